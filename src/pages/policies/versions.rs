//! The version history of a policy: every immutable version with author, time and comment,
//! its field-by-field changes against the version before, and a rollback form (a rollback
//! saves the old body as a new version).

use leptos::prelude::*;

use crate::api::policies::RollbackPolicy;
use crate::components::time::Time;
use crate::model::policies::VersionRow;

/// The history panel (server-rendered; a rollback is a form post that the server answers with
/// a redirect to the new version, or back here with the error).
#[component]
pub fn Versions(id: i64, versions: Vec<VersionRow>) -> impl IntoView {
    let rollback = ServerAction::<RollbackPolicy>::new();
    let newest = versions.first().map(|v| v.version);
    let can_write = crate::components::role::may(crate::model::auth::Role::Editor);
    view! {
        <section class="panel versions" id="versions" aria-labelledby="versions-title">
            <h2 id="versions-title">"Versions"</h2>
            {move || rollback.value().get().and_then(|r| r.err())
                .map(|e| view! { <p class="inline-error" role="alert">{e.to_string()}</p> })}
            <div class="table-wrap">
                <table class="version-table">
                    <thead>
                        <tr>
                            <th scope="col" class="num">"Version"</th>
                            <th scope="col">"Saved"</th>
                            <th scope="col">"By"</th>
                            <th scope="col">"Comment"</th>
                            <th scope="col">"Changes"</th>
                            <th scope="col">"Rollback"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {versions.into_iter().map(|v| version_row(id, v, newest, rollback, can_write)).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn version_row(
    id: i64,
    v: VersionRow,
    newest: Option<i64>,
    rollback: ServerAction<RollbackPolicy>,
    can_write: bool,
) -> impl IntoView {
    let n = v.version;
    let label = if n == 1 {
        format!("{} fields", v.changes.len())
    } else {
        format!("{} changed", v.changes.len())
    };
    let changes = v
        .changes
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <td><code>{c.path.clone()}</code></td>
                    <td class="before mono">{c.before.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="after mono">{c.after.clone().unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let form = (can_write && Some(n) != newest).then(|| {
        view! {
            <ActionForm action=rollback>
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="version" value=n.to_string()/>
                <label class="visually-hidden" for=format!("rollback-reason-{n}")>{format!("Reason for rolling back to v{n}")}</label>
                <input id=format!("rollback-reason-{n}") name="reason" type="text" required placeholder="reason"/>
                " "
                <button type="submit" class="button small" id=format!("rollback-{n}")>{format!("Roll back to v{n}")}</button>
            </ActionForm>
        }
    });
    view! {
        <tr data-version=n.to_string()>
            <td class="num">{format!("v{n}")}{(Some(n) == newest).then(|| view! { " "<span class="badge ok">"current"</span> })}</td>
            <td><Time iso=v.at.clone()/></td>
            <td>{v.author.clone()}</td>
            <td class="comment">{v.comment.clone()}</td>
            <td>
                <details class="diff" id=format!("diff-v{n}")>
                    <summary>{label}</summary>
                    <table class="diff-table">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">{format!("v{}", n - 1)}</th><th scope="col">{format!("v{n}")}</th></tr></thead>
                        <tbody>{changes}</tbody>
                    </table>
                </details>
            </td>
            <td>{form}</td>
        </tr>
    }
}
