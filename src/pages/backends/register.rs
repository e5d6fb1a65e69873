//! The "Register a Swarm backend" form: a socket path, or a TCP host with TLS files (paths or
//! pasted PEM contents, which are never shown again), and the label filter.

use leptos::prelude::*;

use crate::api::backends::RegisterSwarm;
use crate::model::names;

/// The registration form; errors appear beside their fields.
#[component]
pub fn RegisterSwarmForm(action: ServerAction<RegisterSwarm>) -> impl IntoView {
    let error = move |field: &'static str| {
        Signal::derive(move || {
            action.value().with(|v| match v {
                Some(Err(e)) => Some(e.field(field).map(str::to_string).unwrap_or_else(|| {
                    // Errors not about one field (permissions, server) show under the name.
                    if field == "name" && !matches!(e, crate::model::ApiError::Invalid(_)) {
                        e.to_string()
                    } else {
                        String::new()
                    }
                }))
                .filter(|m| !m.is_empty()),
                _ => None,
            })
        })
    };
    view! {
        <section class="panel" aria-labelledby="register-title">
            <h2 id="register-title">"Register a Docker Swarm backend"</h2>
            <p class="muted">"ebb talks to a swarm manager's Docker Engine. Give its unix socket, or its TCP address with the TLS client files of its "<code>"--tlsverify"</code>" setup."</p>
            <ActionForm action attr:id="register-swarm">
                <div class="form-row">
                    <label for="sw-name">"Name"</label>
                    <input id="sw-name" name="name" type="text" maxlength="63" required placeholder="prod-swarm"
                        pattern=names::BACKEND_PATTERN title=names::BACKEND_RULE/>
                    <FieldError msg=error("name")/>
                </div>
                <div class="form-row">
                    <label for="sw-socket">"Socket path"</label>
                    <input id="sw-socket" name="socket" type="text" placeholder="/var/run/docker.sock"/>
                    <FieldError msg=error("socket")/>
                </div>
                <div class="form-row">
                    <label for="sw-host">"or TCP host:port"</label>
                    <input id="sw-host" name="host" type="text" placeholder="tcp://10.0.0.5:2376"/>
                    <FieldError msg=error("host")/>
                </div>
                <fieldset>
                    <legend>"TLS (TCP only): a file path or the pasted PEM contents"</legend>
                    <div class="form-row">
                        <label for="sw-ca">"CA certificate"</label>
                        <textarea id="sw-ca" name="ca" rows="2" placeholder="/etc/ebb/docker/ca.pem"></textarea>
                        <FieldError msg=error("ca")/>
                    </div>
                    <div class="form-row">
                        <label for="sw-cert">"Client certificate"</label>
                        <textarea id="sw-cert" name="cert" rows="2" placeholder="/etc/ebb/docker/cert.pem"></textarea>
                        <FieldError msg=error("cert")/>
                    </div>
                    <div class="form-row">
                        <label for="sw-key">"Client key (never shown again)"</label>
                        <textarea id="sw-key" name="key" rows="2" autocomplete="off" placeholder="/etc/ebb/docker/key.pem"></textarea>
                        <FieldError msg=error("key")/>
                    </div>
                    <FieldError msg=error("tls")/>
                </fieldset>
                <div class="form-row">
                    <label for="sw-label">"Only services with label (empty = all)"</label>
                    <input id="sw-label" name="label" type="text" value="ebb.enable=true"/>
                    <FieldError msg=error("label")/>
                </div>
                <button type="submit" class="button primary">"Register backend"</button>
            </ActionForm>
        </section>
    }
}

/// A field's error message, when there is one.
#[component]
fn FieldError(msg: Signal<Option<String>>) -> impl IntoView {
    move || {
        msg.get()
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    }
}
