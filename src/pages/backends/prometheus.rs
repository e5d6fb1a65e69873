//! The Prometheus servers panel of /backends: the servers policies may query (everyone sees
//! where they are, never their secrets); for admins a connection test (a GET of
//! `/backends?prom_test=ID`, answered in the panel with or without JavaScript), removal, and
//! the form to add one. Errors appear beside their fields.

use leptos::prelude::*;

use crate::api::backends::{RegisterPrometheus, RemovePrometheus};
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
#[component]
pub fn PrometheusPanel(
    servers: Result<Vec<PromServerInfo>, ApiError>,
    tested: Option<(i64, Result<String, ApiError>)>,
    register: ServerAction<RegisterPrometheus>,
    remove: ServerAction<RemovePrometheus>,
) -> impl IntoView {
    let admin = may(Role::Admin);
    let list = match servers {
        Err(e) => view! { <p class="inline-error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(list) if list.is_empty() => view! {
            <p class="muted" id="prometheus-none">"No Prometheus server yet. Policies can scale on a PromQL query once one is added."</p>
        }
        .into_any(),
        Ok(list) => view! {
            <ul class="prom-list" id="prometheus-list">
                {list.into_iter().map(|s| {
                    let answer = tested.clone().filter(|(id, _)| *id == s.id).map(|(_, r)| match r {
                        Ok(m) => view! { <p class="ok test-result" role="status">{m}</p> }.into_any(),
                        Err(e) => view! { <p class="inline-error test-result" role="alert">{e.to_string()}</p> }.into_any(),
                    });
                    view! {
                        <li id=format!("prometheus-{}", s.id)>
                            <strong>{s.name.clone()}</strong>" "<span class="muted">{s.address.clone()}</span>
                            {admin.then(|| view! {
                                <div class="prom-actions">
                                    <form method="get" action="/backends#prometheus" class="inline">
                                        <input type="hidden" name="prom_test" value=s.id.to_string()/>
                                        <button type="submit" class="button" id=format!("test-prometheus-{}", s.id)>"Test connection"</button>
                                    </form>
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="id" value=s.id.to_string()/>
                                        <button type="submit" class="button danger" id=format!("remove-prometheus-{}", s.id)>"Remove"</button>
                                    </ActionForm>
                                </div>
                            })}
                            {answer}
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
            <div class="form-row">
                <label for="pr-url">"URL"</label>
                <input id="pr-url" name="url" type="url" required placeholder="https://prometheus.example:9090"/>
                <Problem msg=err("url")/>
            </div>
            <div class="form-row">
                <label for="pr-auth">"Sign in with"</label>
                <select id="pr-auth" name="auth">
                    <option value="none">"nothing"</option>
                    <option value="bearer">"a bearer token"</option>
                    <option value="basic">"basic auth (user and password)"</option>
                </select>
                <Problem msg=err("auth")/>
            </div>
            <div class="form-row">
                <label for="pr-user">"User (basic auth)"</label>
                <input id="pr-user" name="user" type="text" autocomplete="off"/>
                <Problem msg=err("user")/>
            </div>
            <div class="form-row">
                <label for="pr-secret">"Token or password (never shown again)"</label>
                <input id="pr-secret" name="secret" type="password" autocomplete="off"/>
                <Problem msg=err("secret")/>
            </div>
            <div class="form-row">
                <label for="pr-ca">"CA certificate (empty: the system's)"</label>
                <textarea id="pr-ca" name="ca" rows="2" placeholder="/etc/ebb/prometheus-ca.pem or pasted PEM"></textarea>
                <Problem msg=err("ca")/>
            </div>
            <div class="form-row">
                <label for="pr-timeout">"Query timeout (ms)"</label>
                <input id="pr-timeout" name="timeout_ms" type="number" min="100" max="60000" value="5000"/>
                <Problem msg=err("timeout_ms")/>
            </div>
            <button type="submit" class="button primary" id="add-prometheus">"Add server"</button>
        </ActionForm>
    }
}
