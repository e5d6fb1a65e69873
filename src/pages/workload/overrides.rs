//! Manual override of the workload page: pin N replicas or pause a direction for a chosen
//! time, with a required reason; it expires by itself. Works without JavaScript (plain form
//! post and redirect back).

use leptos::prelude::*;

use crate::api::overrides::{CreateOverride, EndOverride};
use crate::components::time::Time;
use crate::model::overrides::{confirm_label, OverrideRow, PinLimits, CONFIRM_OUTSIDE, KINDS};

/// The override panel with the workload's overrides (`rows`) and what a pin may be
/// (`limits`), both loaded by the page.
#[component]
pub fn OverridePanel(workload_id: i64, rows: Vec<OverrideRow>, limits: PinLimits) -> impl IntoView {
    use crate::components::role::{may, needs};
    use crate::model::auth::Role;
    let can_write = may(Role::Operator);
    let create = ServerAction::<CreateOverride>::new();
    let end = ServerAction::<EndOverride>::new();
    let error = move |field: &'static str| {
        create.value().with(|v| match v {
            Some(Err(e)) => e.field(field).map(str::to_string),
            _ => None,
        })
    };
    view! {
        <section class="panel" aria-labelledby="override-title" id="overrides">
            <h2 id="override-title">"Manual override"</h2>
            <ul class="plain overrides">{rows.into_iter().map(|o| override_item(o, workload_id, end, can_write)).collect_view()}</ul>
            {(!can_write).then(|| view! { <p class="muted" id="override-role">{needs(Role::Operator, "Pinning or pausing")}</p> })}
            <Show when=move || can_write>
            <ActionForm action=create attr:class="override-form">
                <input type="hidden" name="workload_id" value=workload_id.to_string()/>
                <div class="form-row">
                    <label for="ov-kind">"Override"</label>
                    <select id="ov-kind" name="kind">
                        {KINDS.iter().map(|(k, label)| view! { <option value=*k>{*label}</option> }).collect_view()}
                    </select>
                </div>
                <div class="form-row">
                    <label for="ov-replicas">"Replicas (pin only)"</label>
                    <input id="ov-replicas" name="replicas" type="number" min="0" max=limits.cap.to_string()
                        inputmode="numeric" aria-describedby="ov-replicas-hint"/>
                    <p class="hint" id="ov-replicas-hint">{pin_hint(limits)}</p>
                    <FieldError msg=Signal::derive(move || error("replicas"))/>
                </div>
                {limits.bounds.map(|(min, max)| view! {
                    <div class="form-row field check">
                        <input type="checkbox" name=CONFIRM_OUTSIDE value="yes" id="ov-confirm"/>
                        <label for="ov-confirm">{confirm_label(min, max)}</label>
                        <FieldError msg=Signal::derive(move || error(CONFIRM_OUTSIDE))/>
                    </div>
                })}
                <div class="form-row">
                    <label for="ov-minutes">"For (minutes)"</label>
                    <input id="ov-minutes" name="minutes" type="number" min="1" max="10080" value="30" required/>
                    <FieldError msg=Signal::derive(move || error("minutes"))/>
                </div>
                <div class="form-row">
                    <label for="ov-reason">"Reason (required, audited)"</label>
                    <input id="ov-reason" name="reason" type="text" maxlength="500" required/>
                    <FieldError msg=Signal::derive(move || error("reason"))/>
                </div>
                <button type="submit" class="button primary">"Apply override"</button>
            </ActionForm>
            </Show>
        </section>
    }
}

/// What a pin may be, in words.
fn pin_hint(limits: PinLimits) -> String {
    match limits.bounds {
        Some((min, max)) => format!(
            "The policy's bounds are {min}..{max}; a pin outside them needs the editor role and \
             the confirmation below. Never more than {} (this installation's cap).",
            limits.cap
        ),
        None => format!("At most {} (this installation's cap).", limits.cap),
    }
}

fn override_item(
    o: OverrideRow,
    workload_id: i64,
    end: ServerAction<EndOverride>,
    can_write: bool,
) -> impl IntoView {
    let what = match (o.kind.as_str(), o.replicas) {
        ("pin", Some(n)) => format!("Pinned at {n}"),
        (k, _) => KINDS
            .iter()
            .find(|(x, _)| *x == k)
            .map(|(_, l)| l.to_string())
            .unwrap_or_default(),
    };
    let active = o.ended_at.is_none() && is_future(&o.until);
    view! {
        <li class=if active { "override active" } else { "override past" }>
            <strong>{what}</strong>" until "<Time iso=o.until.clone()/>
            " — "{o.reason.clone()}<span class="muted">" ("{o.actor.clone()}")"</span>
            {(active && can_write).then(|| view! {
                <ActionForm action=end attr:class="inline">
                    <input type="hidden" name="workload_id" value=workload_id.to_string()/>
                    <input type="hidden" name="id" value=o.id.to_string()/>
                    <button type="submit" class="button">"End now"</button>
                </ActionForm>
            })}
            {(!active).then(|| view! { <span class="badge">"expired"</span> })}
        </li>
    }
}

fn is_future(iso: &str) -> bool {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(iso) else {
        return false;
    };
    #[cfg(feature = "ssr")]
    let now = chrono::Utc::now().timestamp_millis();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let now = js_sys::Date::now() as i64;
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let now = 0;
    t.timestamp_millis() > now
}

/// A field's error message, when there is one.
#[component]
pub fn FieldError(msg: Signal<Option<String>>) -> impl IntoView {
    move || {
        msg.get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}
