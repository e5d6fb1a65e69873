//! ebb: a self-hosted scaling control plane. This crate is both the server (feature `ssr`) and
//! the browser bundle (feature `hydrate`); `app` is shared by both.

pub mod api;
pub mod app;
pub mod components;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point. Pages are server-rendered HTML; only the `#[island]` components (live
/// tables, the workload view, the policy editor, forms that show a one-time answer) hydrate,
/// each from the props the server wrote beside it.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
