//! Editing and removing a backend on /backends. "Edit settings" and "Remove…" are links that
//! open their form inside the backend's panel (`?edit=ID`, `?remove=ID`), so the forms work as
//! plain posts without JavaScript and an error comes back to the one panel it belongs to. TLS
//! files, bearer tokens and CAs are never shown: an empty field keeps the one that is set.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::backends::{RemoveBackend, UpdateKubernetes, UpdateSwarm};
use crate::model::backends::BackendInfo;
use crate::model::names;
use crate::model::ApiError;
use crate::pages::workload::FieldError;

/// The page's edit and remove actions (one of each: only one form is open at a time).
#[derive(Clone, Copy)]
pub struct AdminActions {
    pub update: ServerAction<UpdateSwarm>,
    pub update_kube: ServerAction<UpdateKubernetes>,
    pub remove: ServerAction<RemoveBackend>,
    /// Changes that completed; the backend list refetches on them (not on refusals, which
    /// would redraw the open form and lose what was typed).
    done: RwSignal<usize>,
}

impl AdminActions {
    /// Creates the actions; an answer shown in one panel is cleared when another form opens.
    pub fn new() -> AdminActions {
        let a = AdminActions {
            update: ServerAction::new(),
            update_kube: ServerAction::new(),
            remove: ServerAction::new(),
            done: RwSignal::new(0),
        };
        Effect::new(move |_| {
            if a.update.value().with(|v| matches!(v, Some(Ok(_)))) {
                a.done.update(|n| *n += 1);
            }
        });
        Effect::new(move |_| {
            if a.update_kube.value().with(|v| matches!(v, Some(Ok(_)))) {
                a.done.update(|n| *n += 1);
            }
        });
        Effect::new(move |_| {
            if a.remove.value().with(|v| matches!(v, Some(Ok(_)))) {
                a.done.update(|n| *n += 1);
            }
        });
        let query = use_query_map();
        Effect::new(move |prev: Option<(Option<String>, Option<String>)>| {
            let open = query.with(|q| (q.get("edit"), q.get("remove")));
            if prev.is_some_and(|p| p != open) {
                a.update.value().set(None);
                a.update_kube.value().set(None);
                a.remove.value().set(None);
            }
            open
        });
        a
    }

    /// Changes whenever an edit or removal succeeds (the backend list refetches on it).
    pub fn version(&self) -> usize {
        self.done.get()
    }
}

/// A message for `field` of `action`'s latest error; `None` for other fields. Errors that are
/// not about a field are shown for `general`.
fn message(
    value: MappedSignal<Option<Result<(), ApiError>>>,
    field: &'static str,
    general: bool,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if general && !matches!(e, ApiError::Invalid(_)) => Some(e.to_string()),
            Some(Err(e)) => e.field(field).map(str::to_string),
            _ => None,
        })
    })
}

/// The edit and remove links of backend `b`, and whichever of their forms is open.
#[component]
pub fn BackendAdmin(b: BackendInfo, admin: AdminActions) -> impl IntoView {
    let id = b.id;
    let query = use_query_map();
    let open = move |key: &str| query.with(|q| q.get(key)) == Some(id.to_string());
    let swarm = b.kind == "swarm";
    let kube = b.kube.is_some();
    let (edit_b, kube_b, remove_b) = (b.clone(), b.clone(), b);
    view! {
        <p class="backend-admin">
            {(swarm || kube).then(|| view! {
                <a class="button" id=format!("edit-backend-{id}") href=format!("/backends?edit={id}")>"Edit settings"</a>" "
            })}
            <a class="button" id=format!("remove-backend-{id}") href=format!("/backends?remove={id}")>"Remove…"</a>
        </p>
        {move || (swarm && open("edit")).then(|| view! { <EditSwarmForm b=edit_b.clone() action=admin.update/> })}
        {move || (kube && open("edit")).then(|| view! { <EditKubernetesForm b=kube_b.clone() action=admin.update_kube/> })}
        {move || open("remove").then(|| view! { <RemoveForm b=remove_b.clone() action=admin.remove/> })}
    }
}

/// The name field of an edit form.
#[component]
fn NameRow(id: &'static str, value: String, msg: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-row">
            <label for=id>"Name"</label>
            <input id=id name="name" type="text" maxlength="63" required value=value
                pattern=names::BACKEND_PATTERN title=names::BACKEND_RULE/>
            <FieldError msg/>
        </div>
    }
}

/// An edit form's buttons.
#[component]
fn SaveOrCancel() -> impl IntoView {
    view! {
        <div class="form-row buttons">
            <button type="submit" class="button primary" id="save-backend">"Save changes"</button>
            <a class="button" href="/backends">"Cancel"</a>
        </div>
    }
}

#[component]
fn EditSwarmForm(b: BackendInfo, action: ServerAction<UpdateSwarm>) -> impl IntoView {
    let err = move |field| message(action.value(), field, false);
    let tls_hint = if b.tls {
        "set — leave empty to keep it, or give a new path or PEM"
    } else {
        "none — a file path or the pasted PEM contents"
    };
    view! {
        <div class="edit-backend" id=format!("edit-form-{}", b.id)>
            <h3>"Edit settings"</h3>
            <FieldError msg=message(action.value(), "", true)/>
            <ActionForm action attr:id="edit-swarm">
                <input type="hidden" name="id" value=b.id.to_string()/>
                <NameRow id="ed-name" value=b.name.clone() msg=err("name")/>
                <div class="form-row">
                    <label for="ed-socket">"Socket path"</label>
                    <input id="ed-socket" name="socket" type="text" placeholder="/var/run/docker.sock" value=b.socket.clone()/>
                    <FieldError msg=err("socket")/>
                </div>
                <div class="form-row">
                    <label for="ed-host">"or TCP host:port"</label>
                    <input id="ed-host" name="host" type="text" placeholder="tcp://10.0.0.5:2376" value=b.host.clone()/>
                    <FieldError msg=err("host")/>
                </div>
                <fieldset>
                    <legend>"TLS (TCP only)"</legend>
                    <div class="form-row">
                        <label for="ed-ca">"CA certificate"</label>
                        <textarea id="ed-ca" name="ca" rows="2" placeholder=tls_hint></textarea>
                        <FieldError msg=err("ca")/>
                    </div>
                    <div class="form-row">
                        <label for="ed-cert">"Client certificate"</label>
                        <textarea id="ed-cert" name="cert" rows="2" placeholder=tls_hint></textarea>
                        <FieldError msg=err("cert")/>
                    </div>
                    <div class="form-row">
                        <label for="ed-key">"Client key (never shown)"</label>
                        <textarea id="ed-key" name="key" rows="2" autocomplete="off" placeholder=tls_hint></textarea>
                        <FieldError msg=err("key")/>
                    </div>
                    <FieldError msg=err("tls")/>
                </fieldset>
                <div class="form-row">
                    <label for="ed-label">"Only services with label (empty = all)"</label>
                    <input id="ed-label" name="label" type="text" value=b.label.clone()/>
                    <FieldError msg=err("label")/>
                </div>
                <SaveOrCancel/>
            </ActionForm>
        </div>
    }
}

#[component]
fn EditKubernetesForm(b: BackendInfo, action: ServerAction<UpdateKubernetes>) -> impl IntoView {
    let err = move |field| message(action.value(), field, false);
    let k = b.kube.clone().unwrap_or_default();
    let current = k.connection.clone();
    let option = move |value: &'static str, text: &'static str| {
        let selected = current == value;
        view! { <option value=value selected=selected>{text}</option> }
    };
    let token_hint = if k.token {
        "set — leave empty to keep it, or paste a new one"
    } else {
        "a service account token, or oc whoami -t"
    };
    let ca_hint = if k.ca {
        "set — leave empty to keep it, none to remove it, or a new path or PEM"
    } else {
        "none — a path or pasted PEM when not publicly trusted"
    };
    view! {
        <div class="edit-backend" id=format!("edit-form-{}", b.id)>
            <h3>"Edit settings"</h3>
            <FieldError msg=message(action.value(), "", true)/>
            <ActionForm action attr:id="edit-kubernetes">
                <input type="hidden" name="id" value=b.id.to_string()/>
                <NameRow id="ek-name" value=b.name.clone() msg=err("name")/>
                <div class="form-row">
                    <label for="ek-connection">"Connect with"</label>
                    <select id="ek-connection" name="connection">
                        {option("url", "API URL and bearer token")}
                        {option("kubeconfig", "kubeconfig file on the ebb server")}
                        {option("in_cluster", "ebb's service account (in the cluster)")}
                    </select>
                    <FieldError msg=err("connection")/>
                </div>
                <fieldset>
                    <legend>"API server URL and bearer token"</legend>
                    <div class="form-row">
                        <label for="ek-url">"API server URL"</label>
                        <input id="ek-url" name="url" type="url" value=k.url.clone()
                            placeholder="https://api.cluster.example:6443"/>
                        <FieldError msg=err("url")/>
                    </div>
                    <div class="form-row">
                        <label for="ek-token">"Bearer token (never shown)"</label>
                        <input id="ek-token" name="token" type="password" autocomplete="off" placeholder=token_hint/>
                        <FieldError msg=err("token")/>
                    </div>
                    <div class="form-row">
                        <label for="ek-ca">"CA certificate"</label>
                        <textarea id="ek-ca" name="ca" rows="2" placeholder=ca_hint></textarea>
                        <FieldError msg=err("ca")/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"kubeconfig file"</legend>
                    <div class="form-row">
                        <label for="ek-kubeconfig">"Path on the ebb server"</label>
                        <input id="ek-kubeconfig" name="kubeconfig" type="text" value=k.kubeconfig.clone()
                            placeholder="/etc/ebb/kubeconfig"/>
                        <FieldError msg=err("kubeconfig")/>
                    </div>
                    <div class="form-row">
                        <label for="ek-context">"Context (empty = its current context)"</label>
                        <input id="ek-context" name="context" type="text" value=k.context.clone()/>
                    </div>
                </fieldset>
                <div class="form-row">
                    <label for="ek-namespaces">"Namespaces (comma-separated; empty = all)"</label>
                    <input id="ek-namespaces" name="namespaces" type="text" value=k.namespaces.clone()/>
                    <FieldError msg=err("namespaces")/>
                </div>
                <div class="form-row">
                    <label for="ek-label">"Only objects with label (empty = every scalable object)"</label>
                    <input id="ek-label" name="label" type="text" value=b.label.clone()/>
                    <FieldError msg=err("label")/>
                </div>
                <SaveOrCancel/>
            </ActionForm>
        </div>
    }
}

#[component]
fn RemoveForm(b: BackendInfo, action: ServerAction<RemoveBackend>) -> impl IntoView {
    let has_workloads = !b.workload_names.is_empty();
    let name = b.name.clone();
    view! {
        <div class="remove-backend" id=format!("remove-form-{}", b.id)>
            <h3>{format!("Remove backend {}?", b.name)}</h3>
            {if has_workloads {
                view! {
                    <p class="inline-error">
                        {format!("It has {} workload(s): {}. They are removed with it, with their decisions, samples and overrides; this cannot be undone (the audit trail keeps a record).",
                            b.workload_names.len(), b.workload_names.join(", "))}
                    </p>
                }.into_any()
            } else {
                view! { <p class="muted">"It has no workloads. Its settings stay in the audit trail."</p> }.into_any()
            }}
            <FieldError msg=message(action.value(), "", true)/>
            <ActionForm action attr:id="remove-backend-form">
                <input type="hidden" name="id" value=b.id.to_string()/>
                {if has_workloads {
                    view! {
                        <div class="form-row">
                            <label for="rm-confirm">{format!("Type {name} to confirm")}</label>
                            <input id="rm-confirm" name="confirm" type="text" autocomplete="off" required/>
                        </div>
                    }.into_any()
                } else {
                    view! { <input type="hidden" name="confirm" value=""/> }.into_any()
                }}
                <FieldError msg=message(action.value(), "confirm", false)/>
                <div class="form-row buttons">
                    <button type="submit" class="button danger" id="confirm-remove">"Remove backend"</button>
                    <a class="button" href="/backends">"Cancel"</a>
                </div>
            </ActionForm>
        </div>
    }
}
