//! The policy editor (`/policies/new`, `/policies/:id`): every field of the policy in forms,
//! the engine's validation as you type (in the browser, compiled to wasm) and again on save,
//! lint warnings, what-if preview, a required comment, and the version history.
//!
//! The form ([`EditorForm`], an island) posts flat fields to `submit_policy` through an
//! `ActionForm`. With JavaScript the answer comes back in place; without it the server
//! redirects — to the saved version, or back here with the form in `?draft=` — so the page
//! renders the same either way. The version history is server-rendered below it.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::versions::Versions;
use super::whatif::WhatIfPanel;
use crate::api::policies::{load_editor, SubmitPolicy};
use crate::components::policy_fields::{dom_id, field_error, EditorCtx};
use crate::components::policy_form::policy_fieldsets;
use crate::model::error::FieldError;
use crate::model::policies::{EditorData, SubmitOutcome};
use crate::model::policy_form::{self as pf, FormFields};
use crate::model::ApiError;

/// The editor route.
#[component]
pub fn PolicyEditor() -> impl IntoView {
    // Viewers and operators read the policy; only editors get the buttons that change it.
    let can_edit = crate::components::role::may(crate::model::auth::Role::Editor);
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        query.with(|q| {
            (
                id,
                q.get("draft"),
                q.get("whatif"),
                q.get("saved"),
                q.get("unchanged"),
            )
        })
    };
    let data = Resource::new(key, |(id, draft, whatif, _, _)| async move {
        let id = match id.as_str() {
            "new" | "" => None,
            other => Some(
                other
                    .parse::<i64>()
                    .map_err(|_| ApiError::NotFound(format!("there is no policy '{other}'")))?,
            ),
        };
        load_editor(id, draft, whatif).await
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the policy…"</p> }>
            {move || Suspend::new(async move {
                let d = data.await?;
                let saved = query.with_untracked(|q| q.get("saved"));
                let unchanged = query.with_untracked(|q| q.get("unchanged"));
                let title = match &d.current_version {
                    Some(v) => format!("Policy {} (v{v})", d.name),
                    None => "New policy".to_string(),
                };
                let mut d = d;
                let list = std::mem::take(&mut d.versions);
                let versions = d.id.map(|id| view! { <Versions id versions=list/> });
                // Without JavaScript the page follows a running what-if by reloading itself.
                let follow = d.whatif.as_ref().and_then(|w| w.running_job()).is_some().then(|| view! {
                    <noscript><meta http-equiv="refresh" content="2"/></noscript>
                });
                Ok::<_, ApiError>(view! {
                    <Title text=title/>
                    {follow}
                    <EditorForm data=d saved unchanged can_edit/>
                    {versions}
                })
            })}
        </Suspense>
    }
}

/// Reads the form as the browser would post it.
#[cfg(feature = "hydrate")]
fn read_form(form: NodeRef<Form>) -> Option<FormFields> {
    use wasm_bindgen::JsCast;
    let el = form.get_untracked()?;
    let data = web_sys::FormData::new_with_form(&el).ok()?;
    let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    let mut out = FormFields::default();
    for entry in js_sys::try_iter(&params).ok()?? {
        let pair: js_sys::Array = entry.ok()?.dyn_into().ok()?;
        out.set(pair.get(0).as_string()?, pair.get(1).as_string()?);
    }
    Some(out)
}

#[cfg(not(feature = "hydrate"))]
fn read_form(_form: NodeRef<Form>) -> Option<FormFields> {
    None
}

/// Every field of the policy with validation as you type, lints, what-if and save; read only
/// (fields disabled, no save panel) unless `can_edit`.
#[island]
fn EditorForm(
    data: EditorData,
    saved: Option<String>,
    unchanged: Option<String>,
    can_edit: bool,
) -> impl IntoView {
    let errors = RwSignal::new(data.errors.clone());
    let lints = RwSignal::new(data.lints.clone());
    let fields = RwSignal::new(data.fields.clone());
    let form_ref = NodeRef::<Form>::new();
    let submit = ServerAction::<SubmitPolicy>::new();
    let on_op = Callback::new(move |op: String| {
        if let Some(mut f) = read_form(form_ref) {
            f.apply_op(&op);
            fields.set(f);
        }
    });
    let ctx = EditorCtx { errors, on_op };
    let zones = StoredValue::new(data.timezones.clone());
    let recheck = move || {
        if let Some(f) = read_form(form_ref) {
            let mut c = f.check();
            c.errors.extend(f.name_errors());
            if let (false, Some(p)) = (ebb_engine::schedule::ZONE_RULES, &c.policy) {
                c.errors.extend(zones.with_value(|z| pf::zone_errors(p, z)));
            }
            errors.set(c.errors);
            lints.set(c.lints);
        }
    };
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(SubmitOutcome::Saved { id, version })) => {
            go_to(&format!("/policies/{id}?saved={version}"));
        }
        Some(Ok(SubmitOutcome::Unchanged { id, version })) => {
            go_to(&format!("/policies/{id}?unchanged={version}"));
        }
        Some(Err(ApiError::Invalid(list))) => errors.set(list),
        // A row operation the server ran (a query test): its answer is in the form.
        Some(Ok(SubmitOutcome::Draft(f))) => fields.set(f),
        _ => {}
    });
    let title = match &data.current_version {
        Some(v) => format!("Policy {} (v{v})", data.name),
        None => "New policy".to_string(),
    };
    let is_new = data.id.is_none();
    let name = data.fields.get(pf::NAME).to_string();
    // A draft sent back without JavaScript keeps its comment.
    let comment = data.fields.get(pf::COMMENT).to_string();
    let whatif_initial = data.whatif.clone();
    let editor_data = data.clone();
    let name_section = view! {
                <section class="panel policy-fieldset">
                    <div class="field">
                        <label for="f-name">"Name"</label>
                        <input id="f-name" name=pf::NAME type="text" required maxlength="100" value=name readonly=!is_new
                            aria-describedby="f-name-error"/>
                        {field_error(ctx, pf::NAME.into(), "f-name-error".into())}
                        {field_error(ctx, pf::BASE_VERSION.into(), "f-base-error".into())}
                    </div>
                </section>
    }
    .into_any();
    let save_section = view! {
            <section class="panel save-panel" aria-labelledby="save-title">
                <h2 id="save-title">"Save a new version"</h2>
                <div class="field">
                    <label for="f-comment">"Comment (required)"</label>
                    <textarea id="f-comment" name=pf::COMMENT required rows="2"
                        placeholder="why this change, for the audit trail" aria-describedby="f-comment-error">{comment}</textarea>
                    {field_error(ctx, pf::COMMENT.into(), "f-comment-error".into())}
                </div>
                <button type="submit" name="op" value="save" class="button primary" id="save-policy">"Save version"</button>
                " "
                <button type="submit" name="op" value="check" formnovalidate class="button" id="check-policy">"Check"</button>
                {move || submit.pending().get().then(|| view! { <span class="muted">" working…"</span> })}
                {move || submit.value().get().and_then(|r| r.err()).filter(|e| !matches!(e, ApiError::Invalid(_)))
                    .map(|e| view! { <p class="inline-error" role="alert">{e.to_string()}</p> })}
            </section>
    }
    .into_any();
    let whatif =
        view! { <WhatIfPanel ctx data=editor_data submit initial=whatif_initial/> }.into_any();
    let read_only = "Read only: changing or previewing a policy needs the editor role.";
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            <a href="/policies">"All policies"</a>
        </div>
        {(!can_edit).then(|| view! { <p class="notice" id="editor-role">{read_only}</p> })}
        {saved.map(|v| view! { <p class="notice ok" role="status" id="saved-notice">{format!("Saved version {v}.")}</p> })}
        {unchanged.map(|v| view! { <p class="notice" role="status" id="unchanged-notice">{format!("Nothing changed: the form holds version {v}, which stays current; no new version was saved.")}</p> })}
        {(!data.used_by.is_empty()).then(|| view! {
            <p class="muted" id="used-by">"Used by "
                {data.used_by.iter().map(|w| view! { <a class="badge" href=format!("/workloads/{}", w.id)>{w.name.clone()}</a>" " }).collect_view()}
            </p>
        })}
        <ActionForm action=submit node_ref=form_ref>
            // The first submit button is the one Enter presses: check, never save.
            <button type="submit" name="op" value="check" formnovalidate class="visually-hidden" tabindex="-1" aria-hidden="true">"Check"</button>
            <input type="hidden" name=pf::ID value=data.fields.get(pf::ID).to_string()/>
            <input type="hidden" name=pf::BASE_VERSION value=data.fields.get(pf::BASE_VERSION).to_string()/>
            <ErrorSummary errors/>
            <fieldset class="bare" disabled=!can_edit>
            <div on:input=move |_| recheck() on:change=move |_| recheck()>
                {name_section}
                {move || fields.with(|f| policy_fieldsets(ctx, f))}
                <Lints lints/>
                {whatif}
            </div>
            </fieldset>
            {if can_edit { save_section } else { ().into_any() }}
        </ActionForm>
    }
}

/// Loads `url` as a new page (there is no client-side router in islands mode).
fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    let _ = window().location().set_href(url);
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Every error at the top, each linking to its field.
#[component]
fn ErrorSummary(errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    move || {
        let list = errors.get();
        (!list.is_empty()).then(|| {
            view! {
                <section class="panel error-summary" role="alert" id="error-summary">
                    <h2>{format!("{} problem{} to fix — nothing was saved", list.len(), if list.len() == 1 { "" } else { "s" })}</h2>
                    <ul>
                        {list.into_iter().map(|e| view! {
                            <li><a href=format!("#{}", dom_id(&pf::key_of(&e.path)))><code>{e.path.clone()}</code></a>": "{e.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// The engine's lint warnings for the policy as it stands.
#[component]
fn Lints(lints: RwSignal<Vec<FieldError>>) -> impl IntoView {
    move || {
        let list = lints.get();
        (!list.is_empty()).then(|| {
            view! {
                <section class="panel lints" id="lints" aria-labelledby="lints-title">
                    <h2 id="lints-title">"Warnings"</h2>
                    <p class="hint">"Legal, but risky; you can still save."</p>
                    <ul>
                        {list.into_iter().map(|l| view! { <li><code>{l.path}</code>": "{l.message}</li> }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
