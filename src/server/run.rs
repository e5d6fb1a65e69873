//! Process lifecycle of `ebb serve`: logging, store, state, listener, and graceful shutdown on
//! SIGINT/SIGTERM: the controller stops and live streams end at once, in-flight requests get a
//! few seconds to finish, then the store closes and the process exits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use leptos::prelude::get_configuration;
use tracing_subscriber::EnvFilter;

use crate::server::auth::sign_in::SignIn;
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
    let sign_in =
        SignIn::new(config.trusted_proxies.clone()).with_public_url(config.public_url.clone());
    Ok(AppState::new(
        leptos_options,
        store,
        config.traces_dir.clone(),
        tls_dir,
        config.max_replicas_cap,
    )
    .with_sign_in(sign_in))
}

/// How long shutdown waits for in-flight requests before closing their connections. With the
/// controller (stopped at the signal) and the store closing after it, the process is gone
/// within 5 s of SIGTERM or SIGINT, well inside an orchestrator's grace period.
const DRAIN: Duration = Duration::from_secs(3);
/// The longest wait for the controller's last round, and then for the store, to close.
const WIND_DOWN: Duration = Duration::from_millis(750);

/// Runs the server and the controller until a shutdown signal arrives.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let started = Instant::now();
    // Held until the process ends: one server per SQLite file.
    let mut lock = match &config.database_url {
        crate::server::config::DatabaseUrl::SqliteFile(path) => Some(
            crate::server::store::serve_lock::ServeLock::acquire(
                path,
                crate::server::store::serve_lock::Holding::Serving(config.bind),
            )
            .context(
                "--database-url: one ebb serve per SQLite file (two would each scale every workload)",
            )?,
        ),
        crate::server::config::DatabaseUrl::SqliteMemory => None,
    };
    let state = build_state(&config).await?;
    let store = state.store().clone();
    crate::server::auth::users::ensure_first_admin(&store).await?;
    state
        .sign_in
        .prepare()
        .await
        .map_err(|e| anyhow::anyhow!("preparing sign-in: {e}"))?;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    if seed_demo(&store, &config.traces_dir, clock.now()).await? {
        tracing::info!(
            "seeded the demo workloads (traces from {})",
            config.traces_dir.display()
        );
    }
    let signal = shutdown_signal().context("cannot watch for SIGTERM and SIGINT")?;
    let control_loop = start_controller(&state, clock).await?;
    let app = crate::server::http::router(
        state.clone(),
        Duration::from_secs(config.request_timeout_secs),
    );
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("--bind: cannot listen on {}", config.bind))?;
    if let Some(lock) = &mut lock {
        lock.listening(listener.local_addr()?)
            .context("writing the serve lock file")?;
    }
    tracing::info!(
        "ebb listening on http://{} (ready in {} ms)",
        listener.local_addr()?,
        started.elapsed().as_millis()
    );
    let stop = state.clone();
    tokio::spawn(async move {
        signal.await;
        tracing::info!(
            "shutdown signal received, finishing in-flight requests (at most {} s)",
            DRAIN.as_secs()
        );
        stop.stop();
    });
    let metrics = match config.metrics_bind {
        Some(addr) => Some(metrics_listener(&state, addr, limits(&config)).await?),
        None => None,
    };
    let mut stopping = state.stopping();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    crate::server::listen::serve(listener, app, limits(&config), stopped).await;
    if let Some(task) = metrics {
        let _ = task.await;
    }
    wind_down(control_loop, &store).await;
    tracing::info!("ebb stopped");
    Ok(())
}

/// Serves `/metrics` without sign-in on `addr` (`--metrics-bind`) until `state` stops.
async fn metrics_listener(
    state: &AppState,
    addr: std::net::SocketAddr,
    limits: crate::server::listen::Limits,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("--metrics-bind: cannot listen on {addr}"))?;
    tracing::info!(
        "metrics on http://{}/metrics (no sign-in)",
        listener.local_addr()?
    );
    let app = crate::server::telemetry::endpoint::router(state.clone());
    let mut stopping = state.stopping();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    Ok(tokio::spawn(crate::server::listen::serve(
        listener, app, limits, stopped,
    )))
}

/// Connects the stored backends and starts the control loop, which stops when `state` does.
async fn start_controller(
    state: &AppState,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let store = state.store();
    let controller = Arc::new(
        Controller::with_registry(
            store.clone(),
            clock.clone(),
            state.inner.live.clone(),
            state.backends().clone(),
        )
        .with_max_replicas_cap(state.inner.max_replicas_cap)
        .with_telemetry(state.inner.telemetry.clone())
        .with_prometheus(state.inner.prometheus.clone())
        .with_forecasts(state.inner.forecasts.clone()),
    );
    crate::server::backends::connect_all(&controller, store, clock).await?;
    Ok(tokio::spawn(controller.run(state.stopping())))
}

/// The listener limits `config` asks for.
fn limits(config: &ServeConfig) -> crate::server::listen::Limits {
    crate::server::listen::Limits {
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
        max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
        drain: DRAIN,
    }
}

/// After the listener has drained: waits briefly for the controller (stopped at the signal)
/// and the store, abandoning either rather than outliving the shutdown budget.
async fn wind_down(control_loop: tokio::task::JoinHandle<()>, store: &Store) {
    let abort = control_loop.abort_handle();
    if tokio::time::timeout(WIND_DOWN, control_loop).await.is_err() {
        abort.abort();
        tracing::warn!("the controller did not stop in time; abandoned");
    }
    if tokio::time::timeout(WIND_DOWN, store.close())
        .await
        .is_err()
    {
        // SQLite's journal makes an unclosed database safe; the next start recovers it.
        tracing::warn!("the database did not close in time");
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed before this returns, so a signal
/// that arrives at any later moment is caught.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// `ebb user add NAME --role ROLE`: creates the account and prints its one-time password.
/// `ebb seed --simulated N`: adds N simulated workloads (see [`crate::server::seed::simulated`]);
/// works while `ebb serve` runs, whose controller picks them up within seconds.
pub async fn seed_command(
    config: &ServeConfig,
    args: &crate::server::config::SeedArgs,
) -> anyhow::Result<()> {
    let store = Store::open(&config.database_url)
        .await
        .context("--database-url: the database could not be opened")?;
    let done = crate::server::seed::simulated::seed_simulated(
        &store,
        args.simulated,
        args.interval,
        chrono::Utc::now(),
    )
    .await;
    store.close().await;
    let (first, last) = done.map_err(|e| anyhow::anyhow!("seed: {e}"))?;
    println!(
        "added {} simulated workloads, {first} to {last}, evaluated every {} s",
        args.simulated, args.interval
    );
    Ok(())
}

/// `ebb backup FILE`: a consistent copy of the SQLite database, taken while it is in use.
pub async fn backup_command(config: &ServeConfig, file: &std::path::Path) -> anyhow::Result<()> {
    let db = sqlite_file(config, "back up")?;
    let contents = crate::server::store::backup::backup(&db, file)
        .await
        .context("backup")?;
    println!(
        "backed up {} to {} ({contents})",
        db.display(),
        file.display()
    );
    Ok(())
}

/// `ebb restore FILE [--force]`: the database becomes a copy of the backup.
pub async fn restore_command(
    config: &ServeConfig,
    file: &std::path::Path,
    force: bool,
) -> anyhow::Result<()> {
    let db = sqlite_file(config, "restore")?;
    let done = crate::server::store::backup::restore(file, &db, force)
        .await
        .context("restore")?;
    if let Some(aside) = &done.moved_aside {
        println!("moved the previous database aside to {}", aside.display());
    }
    println!(
        "restored {} from {} ({}; {} migrations applied to reach this version's schema)",
        db.display(),
        file.display(),
        done.contents,
        done.migrated
    );
    Ok(())
}

/// The database file of `--database-url` (backup and restore work on SQLite files only).
fn sqlite_file(config: &ServeConfig, what: &str) -> anyhow::Result<std::path::PathBuf> {
    match &config.database_url {
        crate::server::config::DatabaseUrl::SqliteFile(path) => Ok(path.clone()),
        crate::server::config::DatabaseUrl::SqliteMemory => anyhow::bail!(
            "--database-url: an in-memory database has nothing to {what}; name a database file"
        ),
    }
}

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
            if let Err(why) = crate::model::names::user(name) {
                anyhow::bail!("user add: {why}");
            }
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
