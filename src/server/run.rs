//! Process lifecycle of `ebb serve`: logging, store, state, listener, and graceful shutdown on
//! SIGINT/SIGTERM (in-flight requests finish, then the store closes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use leptos::prelude::get_configuration;
use tracing_subscriber::EnvFilter;

use tokio::sync::watch;

use crate::server::clock::{Clock, TokioClock};
use crate::server::config::ServeConfig;
use crate::server::controller::Controller;
use crate::server::seed::seed_demo;
use crate::server::state::AppState;
use crate::server::store::Store;

/// Sets up `tracing` output once, with the operator's filter.
pub fn init_logging(filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .with_context(|| format!("--log: '{filter}' is not a valid log filter"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    Ok(())
}

/// Opens the store and builds the application state for `config`.
pub async fn build_state(config: &ServeConfig) -> anyhow::Result<AppState> {
    let store = Store::open(&config.database_url)
        .await
        .context("--database-url: the database could not be opened")?;
    let mut leptos_options = get_configuration(None)
        .context("reading the Leptos site configuration")?
        .leptos_options;
    leptos_options.site_addr = config.bind;
    leptos_options.site_root = config.site_root.display().to_string().into();
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "ebb".into();
    }
    // Pasted TLS key material lives beside the database, where ebb may write.
    let tls_dir = match &config.database_url {
        crate::server::config::DatabaseUrl::SqliteFile(path) => path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .join("backend-tls"),
        crate::server::config::DatabaseUrl::SqliteMemory => "data/backend-tls".into(),
    };
    Ok(AppState::new(
        leptos_options,
        store,
        config.traces_dir.clone(),
        tls_dir,
        config.max_replicas_cap,
    ))
}

/// Runs the server and the controller until a shutdown signal arrives.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let started = Instant::now();
    let state = build_state(&config).await?;
    let store = state.store().clone();
    crate::server::auth::users::ensure_first_admin(&store).await?;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    if seed_demo(&store, &config.traces_dir, clock.now()).await? {
        tracing::info!(
            "seeded the demo workloads (traces from {})",
            config.traces_dir.display()
        );
    }
    let controller = Arc::new(
        Controller::with_registry(
            store.clone(),
            clock.clone(),
            state.inner.live.clone(),
            state.backends().clone(),
        )
        .with_max_replicas_cap(state.inner.max_replicas_cap),
    );
    crate::server::backends::connect_all(&controller, &store, clock).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let control_loop = tokio::spawn(controller.run(stop_rx));
    let app = crate::server::http::router(state, Duration::from_secs(config.request_timeout_secs));
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("--bind: cannot listen on {}", config.bind))?;
    tracing::info!(
        "ebb listening on http://{} (ready in {} ms)",
        listener.local_addr()?,
        started.elapsed().as_millis()
    );
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_tx.send(true);
    let _ = control_loop.await;
    store.close().await;
    tracing::info!("ebb stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}

/// `ebb user add NAME --role ROLE`: creates the account and prints its one-time password.
pub async fn user_command(
    config: &ServeConfig,
    cmd: crate::server::config::UserCommand,
) -> anyhow::Result<()> {
    use crate::server::config::UserCommand;
    let store = Store::open(&config.database_url)
        .await
        .context("--database-url: the database could not be opened")?;
    match cmd {
        UserCommand::Add { name, role } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.len() <= 64,
                "user add: the name must be 1 to 64 characters"
            );
            let password = crate::server::auth::users::add_user(&store, name, role, "ebb user add")
                .await
                .with_context(|| {
                    format!("user add: cannot create '{name}' (is the name taken?)")
                })?;
            println!(
                "created {} user '{name}' with the one-time password {password}",
                role.name()
            );
        }
    }
    store.close().await;
    Ok(())
}
