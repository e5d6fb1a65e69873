//! Overview: the state of the installation at a glance.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::status::get_status;

/// The landing page.
#[component]
pub fn Overview() -> impl IntoView {
    let checks = RwSignal::new(0u32);
    let status = Resource::new(move || checks.get(), |_| get_status());
    view! {
        <Title text="Overview"/>
        <div class="page-head">
            <h1>"Overview"</h1>
            // A plain form so the button reloads the page when JavaScript is off.
            <form method="get" action="/" on:submit=move |ev| {
                ev.prevent_default();
                checks.update(|n| *n += 1);
            }>
                <button id="refresh-status" type="submit" class="button">"Refresh"</button>
            </form>
        </div>
        <section class="panel" aria-labelledby="status-title">
            <h2 id="status-title">"Installation"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading status…"</p> }>
                {move || Suspend::new(async move {
                    status.await.map(|s| view! {
                        <dl class="facts" id="status" data-checks=move || checks.get().to_string()>
                            <dt>"Version"</dt><dd>{s.version}</dd>
                            <dt>"Schema"</dt><dd>{format!("migration {}", s.schema_version)}</dd>
                            <dt>"Database created"</dt>
                            <dd>{s.database_created_at.unwrap_or_else(|| "unknown".into())}</dd>
                            <dt>"Server started"</dt><dd>{s.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</dd>
                            <dt>"Checked"</dt><dd id="status-checked">{s.now.format("%H:%M:%S UTC").to_string()}</dd>
                        </dl>
                    })
                })}
            </Suspense>
        </section>
    }
}
