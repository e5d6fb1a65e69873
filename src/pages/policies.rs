//! Policies: the list of scaling policies (current version, who saved it and when, which
//! workloads use it), and the editor pages in the submodules.

mod editor;
mod versions;
mod whatif;

use leptos::prelude::*;
use leptos_meta::Title;

pub use editor::PolicyEditor;

use crate::api::policies::list_policies;
use crate::components::time::Time;
use crate::model::policies::PolicyRow;
use crate::model::ApiError;

/// The policy list.
#[component]
pub fn Policies() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_policies());
    view! {
        <Title text="Policies"/>
        <div class="page-head">
            <h1>"Policies"</h1>
            {crate::components::role::may(crate::model::auth::Role::Editor).then(|| view! {
                <a class="button primary" href="/policies/new" id="new-policy">"New policy"</a>
            })}
        </div>
        {crate::components::role::may(crate::model::auth::Role::Editor).then(templates)}
        <section class="panel" aria-labelledby="policies-title">
            <h2 id="policies-title">"Scaling policies"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading policies…"</p> }>
                {move || Suspend::new(async move {
                    let rows = list.await?;
                    Ok::<_, ApiError>(policy_table(rows))
                })}
            </Suspense>
        </section>
    }
}

fn policy_table(rows: Vec<PolicyRow>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">"No policies are stored yet. Create one with “New policy”."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table id="policy-table">
                <thead>
                    <tr>
                        <th scope="col">"Policy"</th>
                        <th scope="col" class="num">"Version"</th>
                        <th scope="col">"Saved by"</th>
                        <th scope="col">"Saved"</th>
                        <th scope="col">"Used by"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|p| view! {
                        <tr data-policy=p.name.clone()>
                            <th scope="row"><a href=format!("/policies/{}", p.id)>{p.name.clone()}</a></th>
                            <td class="num">{format!("v{}", p.current_version)}</td>
                            <td>{p.author.clone()}</td>
                            <td><Time iso=p.updated_at.clone()/></td>
                            <td>
                                {if p.workloads.is_empty() {
                                    view! { <span class="muted">"no workload"</span> }.into_any()
                                } else {
                                    p.workloads.iter().map(|w| view! {
                                        <a class="badge" href=format!("/workloads/{}", w.id)>{w.name.clone()}</a>" "
                                    }).collect_view().into_any()
                                }}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Links that open the editor with a shipped template filled in (nothing is saved until the
/// editor saves it).
fn templates() -> impl IntoView {
    let items = crate::model::templates::templates()
        .into_iter()
        .map(|t| {
            view! {
                <li>
                    <a href=t.href>{t.label}</a>
                    <span class="muted">" — "{t.hint}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="templates-title" id="policy-templates">
            <h2 id="templates-title">"Start from a template"</h2>
            <ul class="plain">{items}</ul>
        </section>
    }
}
