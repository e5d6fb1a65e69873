//! The Prometheus servers panel of /backends: the servers policies may query (everyone sees
//! where they are, never their secrets); for admins a connection test (a GET of
//! `/backends?prom_test=ID`, answered in the panel with or without JavaScript), an edit form
//! opened in place (`?prom_edit=ID`), removal, and the form to add one. Errors appear beside
//! their fields.

use leptos::prelude::*;

use leptos_router::hooks::use_query_map;

use crate::api::backends::{RegisterPrometheus, RemovePrometheus, UpdatePrometheus};
use crate::components::role::may;
use crate::model::auth::Role;
use crate::model::backends::PromServerInfo;
use crate::model::names;
use crate::model::ApiError;

/// A field's message from the latest error `answer` gives (errors not about a field under
/// `""`).
fn message(
    answer: impl Fn() -> Option<ApiError> + Send + Sync + 'static,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let e = answer()?;
        match (&e, field) {
            (ApiError::Invalid(_), f) => e.field(f).map(str::to_string),
            (_, "") => Some(e.to_string()),
            _ => None,
        }
    })
}

#[component]
fn Problem(msg: Signal<Option<String>>) -> impl IntoView {
    move || {
        msg.get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}

/// The panel: `servers` as loaded by the page, and the test answered for `?prom_test=ID`.
/// `?prom_edit=ID` opens that server's edit form in its list item.
#[component]
pub fn PrometheusPanel(
    servers: Result<Vec<PromServerInfo>, ApiError>,
    tested: Option<(i64, Result<String, ApiError>)>,
    register: ServerAction<RegisterPrometheus>,
    update: ServerAction<UpdatePrometheus>,
    remove: ServerAction<RemovePrometheus>,
) -> impl IntoView {
    let admin = may(Role::Admin);
    let query = use_query_map();
    let list = match servers {
        Err(e) => view! { <p class="inline-error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(list) if list.is_empty() => view! {
            <p class="muted" id="prometheus-none">"No Prometheus server yet. Policies can scale on a PromQL query once one is added."</p>
        }
        .into_any(),
        Ok(list) => view! {
            <ul class="prom-list" id="prometheus-list">
                {list.into_iter().map(|s| {
                    let id = s.id;
                    let answer = tested.clone().filter(|(t, _)| *t == id).map(|(_, r)| match r {
                        Ok(m) => view! { <p class="ok test-result" role="status">{m}</p> }.into_any(),
                        Err(e) => view! { <p class="inline-error test-result" role="alert">{e.to_string()}</p> }.into_any(),
                    });
                    let editing = move || {
                        admin && query.with(|q| q.get("prom_edit")) == Some(id.to_string())
                    };
                    let edited = s.clone();
                    view! {
                        <li id=format!("prometheus-{id}")>
                            <strong>{s.name.clone()}</strong>" "<span class="muted">{s.address.clone()}</span>
                            {admin.then(|| view! {
                                <div class="prom-actions">
                                    <form method="get" action=format!("/backends#prometheus-{id}") class="inline">
                                        <input type="hidden" name="prom_test" value=id.to_string()/>
                                        <button type="submit" class="button" id=format!("test-prometheus-{id}")>"Test connection"</button>
                                    </form>
                                    <a class="button" id=format!("edit-prometheus-{id}") href=format!("/backends?prom_edit={id}#prometheus-{id}")>"Edit settings"</a>
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="id" value=id.to_string()/>
                                        <button type="submit" class="button danger" id=format!("remove-prometheus-{id}")>"Remove"</button>
                                    </ActionForm>
                                </div>
                            })}
                            {answer}
                            {move || editing().then(|| view! { <EditPrometheusForm s=edited.clone() action=update/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section class="panel" id="prometheus" aria-labelledby="prometheus-title">
            <h2 id="prometheus-title">"Prometheus servers"</h2>
            <p class="muted">"Policies may scale on a PromQL query against one of these (a metric of source "<em>"Prometheus query"</em>")."</p>
            <Problem msg=message(move || remove.value().with(|v| v.clone().and_then(Result::err)), "id")/>
            <Problem msg=message(move || remove.value().with(|v| v.clone().and_then(Result::err)), "")/>
            {list}
            {admin.then(|| view! { <RegisterPrometheusForm action=register/> })}
        </section>
    }
}

/// The fields the add and edit forms share; ids start with `p` (`pr-url`, `pe-url`); `current`
/// fills them when editing (secrets are never shown: their hints say whether one is set).
#[component]
fn PromFields(
    p: &'static str,
    current: Option<PromServerInfo>,
    err: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let c = current.clone().unwrap_or(PromServerInfo {
        id: 0,
        name: String::new(),
        address: String::new(),
        url: String::new(),
        auth: "none".into(),
        user: String::new(),
        has_secret: false,
        has_ca: false,
        skip_verify: false,
        timeout_ms: 5000,
    });
    let editing = current.is_some();
    let id = move |f: &str| format!("{p}-{f}");
    let auth = c.auth.clone();
    let option = move |value: &'static str, text: &'static str| {
        let selected = auth == value;
        view! { <option value=value selected=selected>{text}</option> }
    };
    let secret_hint = if c.has_secret {
        "set — leave empty to keep it, or paste a new one"
    } else {
        ""
    };
    let ca_hint = match (editing, c.has_ca) {
        (true, true) => {
            "set — leave empty to keep it, give a new path or PEM, or none to use the system's"
        }
        _ => "/etc/ebb/prometheus-ca.pem or pasted PEM",
    };
    view! {
        <div class="form-row">
            <label for=id("url")>"URL"</label>
            <input id=id("url") name="url" type="url" required placeholder="https://prometheus.example:9090" value=c.url.clone()/>
            <Problem msg=err("url")/>
        </div>
        <div class="form-row">
            <label for=id("auth")>"Sign in with"</label>
            <select id=id("auth") name="auth">
                {option("none", "nothing")}
                {option("bearer", "a bearer token")}
                {option("basic", "basic auth (user and password)")}
            </select>
            <Problem msg=err("auth")/>
        </div>
        <div class="form-row">
            <label for=id("user")>"User (basic auth)"</label>
            <input id=id("user") name="user" type="text" autocomplete="off" value=c.user.clone()/>
            <Problem msg=err("user")/>
        </div>
        <div class="form-row">
            <label for=id("secret")>"Token or password (never shown again)"</label>
            <input id=id("secret") name="secret" type="password" autocomplete="off" placeholder=secret_hint/>
            <Problem msg=err("secret")/>
        </div>
        <div class="form-row">
            <label for=id("ca")>{if editing { "CA certificate" } else { "CA certificate (empty: the system's)" }}</label>
            <textarea id=id("ca") name="ca" rows="2" placeholder=ca_hint></textarea>
            <Problem msg=err("ca")/>
        </div>
        <div class="form-row field check">
            <input type="checkbox" id=id("skip") name="skip_verify" value="on" checked=c.skip_verify/>
            <label for=id("skip")>"Skip certificate verification (unsafe: anyone on the path can pose as the server; prefer a CA)"</label>
            <Problem msg=err("skip_verify")/>
        </div>
        <div class="form-row">
            <label for=id("timeout")>"Query timeout (ms)"</label>
            <input id=id("timeout") name="timeout_ms" type="number" min="100" max="60000" value=c.timeout_ms.to_string()/>
            <Problem msg=err("timeout_ms")/>
        </div>
    }
}

#[component]
fn RegisterPrometheusForm(action: ServerAction<RegisterPrometheus>) -> impl IntoView {
    let err = move |f| {
        message(
            move || action.value().with(|v| v.clone().and_then(Result::err)),
            f,
        )
    };
    view! {
        <h3>"Add a Prometheus server"</h3>
        <Problem msg=err("")/>
        <ActionForm action attr:id="register-prometheus">
            <div class="form-row">
                <label for="pr-name">"Name"</label>
                <input id="pr-name" name="name" type="text" maxlength="63" required placeholder="main"
                    pattern=names::BACKEND_PATTERN title=names::BACKEND_RULE/>
                <Problem msg=err("name")/>
            </div>
            <PromFields p="pr" current=None err/>
            <button type="submit" class="button primary" id="add-prometheus">"Add server"</button>
        </ActionForm>
    }
}

#[component]
fn EditPrometheusForm(s: PromServerInfo, action: ServerAction<UpdatePrometheus>) -> impl IntoView {
    let err = move |f| {
        message(
            move || action.value().with(|v| v.clone().and_then(Result::err)),
            f,
        )
    };
    let (id, name) = (s.id, s.name.clone());
    view! {
        <div class="edit-backend" id=format!("edit-prometheus-form-{id}")>
            <h3>"Edit " {name.clone()}</h3>
            <Problem msg=err("")/>
            <ActionForm action attr:id="edit-prometheus">
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="form-row">
                    <label for="pe-name">"Name"</label>
                    <input id="pe-name" name="name" type="text" maxlength="63" required value=name
                        pattern=names::BACKEND_PATTERN title=names::BACKEND_RULE/>
                    <Problem msg=err("name")/>
                </div>
                <PromFields p="pe" current=Some(s) err/>
                <div class="form-row buttons">
                    <button type="submit" class="button primary" id="save-prometheus">"Save changes"</button>
                    <a class="button" href="/backends#prometheus">"Cancel"</a>
                </div>
            </ActionForm>
        </div>
    }
}
