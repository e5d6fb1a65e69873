//! ebb's `/metrics` as a real Prometheus (Debian's, started here on loopback with its own
//! storage folder and a config written by the test) reads it: scraped with a viewer's API
//! token on the main listener and without one on the `--metrics-bind` listener, refused
//! without a token; the series it stores are the controller's. `scripts/test` installs
//! Prometheus and sets `EBB_PROMETHEUS`; elsewhere this test says why it does not run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ebb::model::auth::Role;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::{api_post, as_browser, cpu_policy, send, session_for, state, store_sim_web};

/// The Prometheus binary, or `None` (with a notice) outside `scripts/test`, which requires it.
fn prometheus_binary(test: &str) -> Option<PathBuf> {
    match std::env::var_os("EBB_PROMETHEUS") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("EBB_REQUIRE_PROMETHEUS").is_some() => {
            panic!("{test}: EBB_PROMETHEUS is unset, but scripts/test requires these tests")
        }
        None => {
            eprintln!("{test}: not run: EBB_PROMETHEUS is unset (scripts/test sets it)");
            None
        }
    }
}

/// A Prometheus process, stopped when dropped.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Serves `app` on a loopback port until the test ends.
async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    addr
}

/// `GET path` over HTTP/1.0 (so the answer is neither chunked nor kept alive): status, body.
async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.ok()?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// The value of each series `query` returns now, by the value of label `by`.
async fn query(port: u16, q: &str, by: &str) -> Vec<(String, f64)> {
    let path = format!(
        "/api/v1/query?query={}",
        ebb::server::auth::gate::urlencode(q)
    );
    let Some((200, body)) = http_get(port, &path).await else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    v["data"]["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let label = r["metric"][by].as_str().unwrap_or_default().to_string();
            let value = r["value"][1].as_str()?.parse().ok()?;
            Some((label, value))
        })
        .collect()
}

/// Starts `binary` with config `yaml`, its storage and log in `dir`, on a free port.
fn start(binary: &std::path::Path, dir: &std::path::Path, yaml: &str) -> Prometheus {
    start_on(binary, dir, yaml, free_port())
}

/// Starts `binary` as [`start`] does, on `port`.
fn start_on(binary: &std::path::Path, dir: &std::path::Path, yaml: &str, port: u16) -> Prometheus {
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, yaml).expect("config");
    let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    Prometheus { child, port }
}

#[tokio::test]
async fn a_real_prometheus_scrapes_ebb_with_a_token_and_on_the_metrics_listener() {
    let test = "Prometheus scrapes ebb";
    let Some(binary) = prometheus_binary(test) else {
        return;
    };
    let (state, dir) = state().await;
    let store = state.store().clone();
    let now = chrono::Utc::now();
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 0,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: 300.0 },
        ..Default::default()
    };
    let spec_json = serde_json::to_string(&spec).expect("json");
    let (backend, _, _) = store_sim_web(&store, &cpu_policy(50.0, 10, 0), 1, &spec_json, now).await;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("web");
    let controller = Arc::new(
        Controller::with_registry(
            store.clone(),
            clock,
            state.inner.live.clone(),
            state.backends().clone(),
        )
        .with_telemetry(state.inner.telemetry.clone()),
    );
    controller.register_backend(backend, sim);
    let control = tokio::spawn(controller.run(state.stopping()));

    let app = ebb::server::http::router(state.clone(), Duration::from_secs(30));
    let main = serve(app.clone()).await;
    let open = serve(ebb::server::telemetry::endpoint::router(state.clone())).await;
    let viewer = session_for(&state, "scraper", Role::Viewer).await;
    let (res, body) = send(
        &as_browser(app, Some(viewer)),
        api_post("/api/create_token", "name=prometheus&days=30"),
    )
    .await;
    assert!(res.status().is_success(), "{body}");
    let token: String = serde_json::from_str(&body).expect("token");
    let token_file = dir.path().join("prometheus-token");
    std::fs::write(&token_file, &token).expect("token file");

    let prom = start(
        &binary,
        dir.path(),
        &format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n\
             - job_name: ebb-token\n  authorization:\n    credentials_file: {token}\n  static_configs:\n  - targets: ['{main}']\n\
             - job_name: ebb-open\n  static_configs:\n  - targets: ['{open}']\n\
             - job_name: ebb-no-token\n  static_configs:\n  - targets: ['{main}']\n",
            token = token_file.display()
        ),
    );

    let up = super::support::wait_for("all three targets scraped", 60, || async {
        let up = query(prom.port, "up", "job").await;
        (up.len() == 3).then_some(up)
    })
    .await;
    let of = |job: &str| up.iter().find(|(j, _)| j == job).map(|(_, v)| *v);
    assert_eq!(of("ebb-token"), Some(1.0), "{up:?}");
    assert_eq!(of("ebb-open"), Some(1.0), "{up:?}");
    assert_eq!(
        of("ebb-no-token"),
        Some(0.0),
        "refused without a token: {up:?}"
    );

    // What Prometheus stored is what the controller did: web scaled up from one replica.
    let replicas = super::support::wait_for("web scaled up, as Prometheus sees it", 30, || async {
        let r = query(
            prom.port,
            r#"max by (workload) (ebb_workload_current_replicas{job="ebb-token",workload="web"})"#,
            "workload",
        )
        .await;
        r.first().filter(|(_, n)| *n > 1.0).map(|(_, n)| *n)
    })
    .await;
    assert!(replicas > 1.0);
    // Counters as scraped: a scale-up applied, the refused scrapes (in a later scrape than the
    // one that saw them happen, hence the wait).
    super::support::wait_for("an applied decision, as Prometheus sees it", 30, || async {
        let applied = query(
            prom.port,
            r#"sum(ebb_decisions_total{job="ebb-open",workload="web",outcome="applied"})"#,
            "",
        )
        .await;
        applied.first().filter(|(_, n)| *n >= 1.0).map(|_| ())
    })
    .await;
    super::support::wait_for("the refused scrapes, counted", 30, || async {
        let http = query(
            prom.port,
            r#"sum by (status) (ebb_http_requests_total{job="ebb-open",route="/metrics"})"#,
            "status",
        )
        .await;
        http.iter().any(|(s, _)| s == "401").then_some(())
    })
    .await;
    drop(prom);
    state.stop();
    let _ = control.await;
}

#[tokio::test]
async fn the_prometheus_client_reads_values_and_says_exactly_what_went_wrong() {
    use ebb::server::metrics::prometheus::client::{PromAuth, PromClient, PromError, PromServer};
    use ebb::server::metrics::prometheus::reading::{read, Reading};
    let test = "Prometheus client";
    let Some(binary) = prometheus_binary(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    // Prometheus scrapes itself (job self) and a port where nothing listens (job gone).
    let gone = free_port();
    let port = free_port();
    let config = format!(
        "global:\n  scrape_interval: 1s\n\
         scrape_configs:\n\
         - job_name: self\n  static_configs:\n  - targets: ['127.0.0.1:{port}']\n\
         - job_name: gone\n  static_configs:\n  - targets: ['127.0.0.1:{gone}']\n"
    );
    let prom = start_on(&binary, dir.path(), &config, port);
    let server = |port: u16, auth: PromAuth, timeout_ms: u64| PromServer {
        url: format!("http://127.0.0.1:{port}"),
        auth,
        ca_file: None,
        timeout: Duration::from_millis(timeout_ms),
    };
    let client = PromClient::new(server(prom.port, PromAuth::None, 5000)).expect("client");
    super::support::wait_for("Prometheus answering", 60, || async {
        client.query("vector(1)").await.ok()
    })
    .await;

    // One series: its value.
    let one = client.query("vector(3.5)").await.expect("vector");
    assert_eq!(read(&one, "", false), Reading::Total(Ok(3.5)));
    // Two series (both jobs' `up`, once scraped): an error that lists them.
    let two = super::support::wait_for("both targets scraped", 30, || async {
        let s = client.query("up").await.ok()?;
        (s.len() == 2).then_some(s)
    })
    .await;
    match read(&two, "", false) {
        Reading::Total(Err(m)) => assert!(
            m.contains("2 series") && m.contains(r#"job="gone""#) && m.contains(r#"job="self""#),
            "{m}"
        ),
        other => panic!("two series must be an error: {other:?}"),
    }
    // Per instance: keyed by the label.
    match read(&two, "job", false) {
        Reading::PerInstance(v, notes) => {
            assert_eq!(v.get("self"), Some(&1.0));
            assert_eq!(v.get("gone"), Some(&0.0));
            assert!(notes.is_empty(), "{notes:?}");
        }
        other => panic!("{other:?}"),
    }
    // Empty: missing, or zero when the policy says so; NaN: missing.
    let empty = client
        .query("no_such_metric_anywhere")
        .await
        .expect("empty");
    assert!(matches!(read(&empty, "", false), Reading::Total(Err(_))));
    assert_eq!(read(&empty, "", true), Reading::Total(Ok(0.0)));
    let nan = client.query("0/0").await.expect("scalar");
    assert!(matches!(read(&nan, "", true), Reading::Total(Err(m)) if m.contains("NaN")));
    // A malformed query: Prometheus's own message. A range vector: what to change.
    match client.query("sum(up").await {
        Err(PromError::Query(m)) => assert!(m.contains("parse error"), "{m}"),
        other => panic!("{other:?}"),
    }
    match client.query("up[1m]").await {
        Err(PromError::Query(m)) => assert!(m.contains("range selector"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Nothing listening; a server that never answers.
    let nobody = PromClient::new(server(gone, PromAuth::None, 2000)).expect("client");
    assert!(matches!(
        nobody.query("up").await,
        Err(PromError::Unreachable(..))
    ));
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            open.push(conn);
        }
    });
    let slow = PromClient::new(server(silent_port, PromAuth::None, 300)).expect("client");
    assert_eq!(slow.query("up").await, Err(PromError::Timeout(300)));
    held.abort();
    // Credentials refused (ebb's own /metrics refuses a wrong bearer token with 401).
    let (state, sdir) = state().await;
    let ebb_main = serve(ebb::server::http::router(
        state.clone(),
        Duration::from_secs(30),
    ))
    .await;
    let token_file = sdir.path().join("wrong-token");
    std::fs::write(&token_file, "not-a-token").expect("token");
    let refused = PromClient::new(PromServer {
        url: format!("http://{ebb_main}"),
        auth: PromAuth::Bearer {
            token_file: token_file.display().to_string(),
        },
        ca_file: None,
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    assert_eq!(refused.query("up").await, Err(PromError::Auth(401)));
    // A CA file that is not one: said before any query.
    let bad_ca = sdir.path().join("ca.pem");
    std::fs::write(&bad_ca, "not a certificate").expect("ca");
    match PromClient::new(PromServer {
        url: "https://127.0.0.1:1".into(),
        auth: PromAuth::None,
        ca_file: Some(bad_ca.display().to_string()),
        timeout: Duration::from_secs(1),
    }) {
        Err(PromError::Settings(m)) => assert!(m.contains("ca.pem"), "{m}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a CA file without a certificate must be refused"),
    }
}
