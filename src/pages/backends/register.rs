//! The registration forms: a Docker Swarm backend (a socket path, or a TCP host with TLS files:
//! paths or pasted PEM contents, which are never shown again, and the label filter) and a
//! Kubernetes or OpenShift backend (kubeconfig, in-cluster, or URL with a bearer token and CA;
//! namespaces and label selector).

use leptos::prelude::*;

use crate::api::backends::{RegisterKubernetes, RegisterSwarm};
use crate::model::names;

/// The error of `field` in a registration's answer (`answer` gives its error, if any); errors
/// about no one field show under the name.
fn field_error(
    answer: impl Fn() -> Option<crate::model::ApiError> + Send + Sync + 'static,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        answer().and_then(|e| {
            Some(e.field(field).map(str::to_string).unwrap_or_else(|| {
                if field == "name" && !matches!(e, crate::model::ApiError::Invalid(_)) {
                    e.to_string()
                } else {
                    String::new()
                }
            }))
            .filter(|m| !m.is_empty())
        })
    })
}

/// The Kubernetes registration form; errors appear beside their fields.
#[component]
pub fn RegisterKubernetesForm(action: ServerAction<RegisterKubernetes>) -> impl IntoView {
    let error = move |field: &'static str| {
        field_error(
            move || action.value().with(|v| v.clone().and_then(Result::err)),
            field,
        )
    };
    view! {
        <section class="panel" aria-labelledby="register-kube-title">
            <h2 id="register-kube-title">"Register a Kubernetes or OpenShift backend"</h2>
            <p class="muted">"ebb scales Deployments, StatefulSets and every object with a "<code>"scale"</code>" subresource (Argo Rollouts, OpenShift DeploymentConfigs) through the API server. The account needs the role in "<code>"deploy/kubernetes"</code>"; "<em>"Test connection"</em>" names anything missing."</p>
            <ActionForm action attr:id="register-kubernetes">
                <div class="form-row">
                    <label for="k8-name">"Name"</label>
                    <input id="k8-name" name="name" type="text" maxlength="63" required placeholder="prod-cluster"
                        pattern=names::BACKEND_PATTERN title=names::BACKEND_RULE/>
                    <FieldError msg=error("name")/>
                </div>
                <div class="form-row">
                    <label for="k8-connection">"Connect with"</label>
                    <select id="k8-connection" name="connection">
                        <option value="url">"API URL and bearer token"</option>
                        <option value="kubeconfig">"kubeconfig file on the ebb server"</option>
                        <option value="in_cluster">"ebb's service account (in the cluster)"</option>
                    </select>
                    <FieldError msg=error("connection")/>
                </div>
                <fieldset>
                    <legend>"API server URL and bearer token"</legend>
                    <div class="form-row">
                        <label for="k8-url">"API server URL"</label>
                        <input id="k8-url" name="url" type="url" placeholder="https://api.cluster.example:6443"/>
                        <FieldError msg=error("url")/>
                    </div>
                    <div class="form-row">
                        <label for="k8-token">"Bearer token (never shown again)"</label>
                        <input id="k8-token" name="token" type="password" autocomplete="off"
                            placeholder="a service account token, or oc whoami -t"/>
                        <p class="muted">"OpenShift user tokens ("<code>"oc whoami -t"</code>") expire after about 24 hours: prefer a service account's token. A path to a file holding the token works too."</p>
                        <FieldError msg=error("token")/>
                    </div>
                    <div class="form-row">
                        <label for="k8-ca">"CA certificate (empty when publicly trusted)"</label>
                        <textarea id="k8-ca" name="ca" rows="2" placeholder="/etc/ebb/cluster-ca.crt or pasted PEM"></textarea>
                        <FieldError msg=error("ca")/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"kubeconfig file"</legend>
                    <div class="form-row">
                        <label for="k8-kubeconfig">"Path on the ebb server"</label>
                        <input id="k8-kubeconfig" name="kubeconfig" type="text" placeholder="/etc/ebb/kubeconfig"/>
                        <FieldError msg=error("kubeconfig")/>
                    </div>
                    <div class="form-row">
                        <label for="k8-context">"Context (empty = its current context)"</label>
                        <input id="k8-context" name="context" type="text"/>
                    </div>
                </fieldset>
                <div class="form-row">
                    <label for="k8-namespaces">"Namespaces (comma-separated; empty = all)"</label>
                    <input id="k8-namespaces" name="namespaces" type="text" placeholder="shop, payments"/>
                    <FieldError msg=error("namespaces")/>
                </div>
                <div class="form-row">
                    <label for="k8-label">"Only objects with label (empty = every scalable object)"</label>
                    <input id="k8-label" name="label" type="text" value="ebb.io/enabled=true"/>
                    <FieldError msg=error("label")/>
                </div>
                <button type="submit" class="button primary">"Register backend"</button>
            </ActionForm>
        </section>
    }
}

/// The registration form; errors appear beside their fields.
#[component]
pub fn RegisterSwarmForm(action: ServerAction<RegisterSwarm>) -> impl IntoView {
    let error = move |field: &'static str| {
        field_error(
            move || action.value().with(|v| v.clone().and_then(Result::err)),
            field,
        )
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
