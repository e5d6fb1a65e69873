//! The HTML shell, the root component and the route table. Every route renders completely on the
//! server (`SsrMode::Async`) so pages work with JavaScript off; in the browser only the islands
//! (`#[island]` components) hydrate, and links are ordinary page loads.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

use crate::components::layout::Layout;
use crate::pages;

/// The document around the app: head, hydration scripts, and (on the server) the page's
/// Content-Security-Policy with this response's nonce.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
                <link rel="stylesheet" href="/vendor/uPlot.min.css"/>
                <script src="/vendor/uPlot.iife.min.js" defer></script>
                <script src="/chart.js" defer></script>
                <script src="/local-time.js" defer></script>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn set_page_csp() {
    use axum::http::{header, HeaderValue};
    use leptos::nonce::{provide_nonce, use_nonce};
    if use_nonce().is_none() {
        provide_nonce();
    }
    let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
    if let (Some(res), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&crate::server::http::page_csp(&nonce)),
    ) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The document title for a page title such as a workload's name. leptos_meta writes the
/// title into `<title>` without escaping it, so on the server it is escaped here: a name
/// holding `</title><meta …>` stays text. (The browser never renders it: pages are not
/// islands.)
pub fn title_text(page: String) -> String {
    let text = if page.is_empty() {
        "ebb".to_string()
    } else {
        format!("{page} · ebb")
    };
    if cfg!(feature = "ssr") {
        escape_html(&text)
    } else {
        text
    }
}

/// `text` with `& < > " '` replaced by their character references.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The root component: metadata, layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="ebb" href="/pkg/ebb.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="ebb scaling control plane"/>
        <Meta name="color-scheme" content="light dark"/>
        <Title formatter=title_text/>
        <Router>
            <Layout>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=StaticSegment("") view=pages::overview::Overview ssr=SsrMode::Async/>
                    <Route path=StaticSegment("workloads") view=pages::workloads::Workloads ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("workloads"), ParamSegment("id")) view=pages::workload::WorkloadPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("policies") view=pages::policies::Policies ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("policies"), ParamSegment("id")) view=pages::policies::PolicyEditor ssr=SsrMode::Async/>
                    <Route path=StaticSegment("history") view=pages::history::History ssr=SsrMode::Async/>
                    <Route path=StaticSegment("audit") view=pages::audit::Audit ssr=SsrMode::Async/>
                    <Route path=StaticSegment("backends") view=pages::backends::Backends ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view=pages::login::Login ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view=pages::account::Account ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view=pages::admin::Admin ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
