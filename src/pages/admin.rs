//! Admin: accounts and their roles (admins only; the server enforces it).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{list_users, AddUser, UpdateUser};
use crate::components::time::Time;
use crate::model::auth::Role;
use crate::model::names;

/// `/admin`.
#[component]
pub fn Admin() -> impl IntoView {
    let update = ServerAction::<UpdateUser>::new();
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Admin"/>
        <div class="page-head"><h1>"Admin"</h1></div>
        <AddUserForm/>
        <section class="panel">
            <h2>"Users"</h2>
            {move || update.value().get().and_then(|r| r.err()).map(|e| view! { <p class="inline-error">{e.to_string()}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <p class="inline-error">{e.to_string()}</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap"><table id="user-table">
                                <thead><tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col">"Created"</th><th scope="col">"Change"</th></tr></thead>
                                <tbody>{list.into_iter().map(|u| {
                                    let current = u.role.clone();
                                    view! { <tr>
                                        <td>{u.username.clone()}{u.disabled.then_some(" (disabled)")}</td>
                                        <td>{u.role.clone()}</td>
                                        <td><Time iso=u.created_at.clone()/></td>
                                        <td><ActionForm action=update attr:class="inline">
                                            <input type="hidden" name="id" value=u.id.to_string()/>
                                            <select name="role" aria-label=format!("Role of {}", u.username)>
                                                {Role::ALL.iter().map(|r| view! { <option value=r.name() selected=current == r.name()>{r.name()}</option> }).collect_view()}
                                            </select>
                                            <label class="inline-check"><input type="checkbox" name="disabled" value="1" checked=u.disabled/>" disabled"</label>
                                            <button type="submit" class="button">"Save"</button>
                                        </ActionForm></td>
                                    </tr> }
                                }).collect_view()}</tbody>
                            </table></div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "Add a user" (an island: the one-time password is shown here, once, never in a URL).
#[island]
fn AddUserForm() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let roles = || {
        Role::ALL
            .iter()
            .map(|r| view! { <option value=r.name()>{r.name()}</option> })
            .collect_view()
    };
    view! {
        <section class="panel" aria-labelledby="add-title">
            <h2 id="add-title">"Add a user"</h2>
            <ActionForm action=add attr:class="filters">
                <div class="form-row"><label for="new-user">"User name"</label>
                    <input id="new-user" name="username" type="text" required maxlength="64"
                        pattern=names::USER_PATTERN title=names::USER_RULE/></div>
                <div class="form-row"><label for="new-role">"Role"</label>
                    <select id="new-role" name="role">{roles()}</select></div>
                <div class="form-row"><button type="submit" class="button primary">"Add user"</button></div>
            </ActionForm>
            {move || match add.value().get() {
                Some(Ok(pw)) => Some(view! { <p role="status">"One-time password (shown once): "<code id="one-time-password">{pw}</code></p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="inline-error">{e.to_string()}</p> }.into_any()),
                None => None,
            }}
        </section>
    }
}
