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
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::{api_post, as_browser, cpu_policy, send, session_for, state, store_sim_web};

/// The Prometheus binary, or `None` (with a notice) outside `scripts/test`, which requires it.
pub(super) fn prometheus_binary(test: &str) -> Option<PathBuf> {
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
pub(super) struct Prometheus {
    child: Child,
    pub port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Serves `app` on a loopback port until the test ends.
pub(super) async fn serve(app: axum::Router) -> SocketAddr {
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
pub(super) async fn query(port: u16, q: &str, by: &str) -> Vec<(String, f64)> {
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
pub(super) fn start(binary: &std::path::Path, dir: &std::path::Path, yaml: &str) -> Prometheus {
    start_on(binary, dir, yaml, free_port())
}

/// Starts `binary` as [`start`] does, on `port`.
pub(super) fn start_on(
    binary: &std::path::Path,
    dir: &std::path::Path,
    yaml: &str,
    port: u16,
) -> Prometheus {
    start_with(binary, dir, yaml, port, None)
}

/// Starts `binary` as [`start_on`] does, with web config `web` (TLS, basic auth) when given.
fn start_with(
    binary: &std::path::Path,
    dir: &std::path::Path,
    yaml: &str,
    port: u16,
    web: Option<&str>,
) -> Prometheus {
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, yaml).expect("config");
    let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
    let mut command = Command::new(binary);
    if let Some(web) = web {
        let file = dir.join("web.yml");
        std::fs::write(&file, web).expect("web config");
        command.arg(format!("--web.config.file={}", file.display()));
    }
    let child = command
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
        ..super::support::exact_sim()
    };
    let spec_json = serde_json::to_string(&spec).expect("json");
    let (backend, _, _) = store_sim_web(&store, &cpu_policy(50.0, 10, 0), 1, &spec_json, now).await;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("web");
    let controller = super::support::controller_on(&state);
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
        skip_verify: false,
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
        skip_verify: false,
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
        skip_verify: false,
        timeout: Duration::from_secs(1),
    }) {
        Err(PromError::Settings(m)) => assert!(m.contains("ca.pem"), "{m}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a CA file without a certificate must be refused"),
    }
}

#[tokio::test]
async fn a_prometheus_behind_tls_and_basic_auth_is_reached_with_its_ca_or_skip_verify_and_refuses_a_wrong_password(
) {
    use super::backends::post;
    let test = "Prometheus behind TLS and basic auth";
    let Some(binary) = prometheus_binary(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    // A CA and a certificate for 127.0.0.1 it signed, made by openssl as an operator would.
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=ebb test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(d.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    let hash = bcrypt::hash("right-password", 4).expect("bcrypt");
    let web = format!(
        "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  ebb: '{hash}'\n",
        d.join("server.crt").display(),
        d.join("server.key").display()
    );
    let prom = start_with(
        &binary,
        d,
        "global:\n  scrape_interval: 1s\n",
        free_port(),
        Some(&web),
    );

    let (state, _sdir) = state().await;
    let admin = super::support::signed_in(&state, "root", Role::Admin).await;
    let url = format!("https://127.0.0.1:{}", prom.port);
    let ca = d.join("ca.crt").display().to_string();
    let register = |name: &'static str, password: &'static str, ca: &str, skip: &'static str| {
        let (admin, url, ca) = (admin.clone(), url.clone(), ca.to_string());
        async move {
            let (status, text) = post(
                &admin,
                "/api/register_prometheus",
                &[
                    ("name", name),
                    ("url", &url),
                    ("auth", "basic"),
                    ("user", "ebb"),
                    ("secret", password),
                    ("ca", &ca),
                    ("skip_verify", skip),
                    ("timeout_ms", "3000"),
                ],
            )
            .await;
            assert_eq!(status.as_u16(), 200, "{name}: {text}");
            text.trim().parse::<i64>().expect("id")
        }
    };
    let connection_test = |id: i64| {
        let admin = admin.clone();
        async move {
            let id = id.to_string();
            post(&admin, "/api/test_prometheus", &[("id", &id)]).await
        }
    };
    // With its CA and the right password: answered (once Prometheus is up).
    let good = register("good", "right-password", &ca, "").await;
    super::support::wait_for("Prometheus answering over TLS", 60, || async {
        let (status, _) = connection_test(good).await;
        (status.as_u16() == 200).then_some(())
    })
    .await;
    // A wrong password: refused, and the message says what to check.
    let wrong = register("wrong", "wrong-password", &ca, "").await;
    let (status, text) = connection_test(wrong).await;
    assert_eq!(status.as_u16(), 503, "{text}");
    assert!(
        text.contains("refused ebb's credentials (HTTP 401)"),
        "{text}"
    );
    assert!(!text.contains("wrong-password"), "{text}");
    // The system's roots do not know the test CA: a TLS error, not a silent success.
    let unverified = register("roots", "right-password", "", "").await;
    let (status, text) = connection_test(unverified).await;
    assert_eq!(status.as_u16(), 503, "{text}");
    assert!(
        text.contains("TLS") && text.contains("certificate"),
        "{text}"
    );
    // Skip-verify (turned on deliberately) reaches it without the CA.
    let skipping = register("skipping", "right-password", "", "on").await;
    let (status, text) = connection_test(skipping).await;
    assert_eq!(status.as_u16(), 200, "{text}");
    // Correcting the wrong password in place: the next test passes.
    let (status, text) = post(
        &admin,
        "/api/update_prometheus",
        &[
            ("id", &wrong.to_string()),
            ("name", "wrong"),
            ("url", &url),
            ("auth", "basic"),
            ("user", "ebb"),
            ("secret", "right-password"),
            ("timeout_ms", "3000"),
        ],
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{text}");
    let (status, text) = connection_test(wrong).await;
    assert_eq!(status.as_u16(), 200, "{text}");
    assert!(text.contains("wrong answered a query"), "{text}");
}

/// A metrics page the test writes, served for Prometheus to scrape.
pub(super) async fn exporter(page: Arc<std::sync::Mutex<String>>) -> SocketAddr {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let page = page.clone();
            async move { page.lock().expect("page").clone() }
        }),
    );
    serve(app).await
}

#[tokio::test]
async fn a_promql_query_scales_a_workload_up_and_down_and_never_in_on_missing_data() {
    use ebb::model::workload::WorkloadSummary;
    use ebb_engine::{Behavior, MetricSource, MetricSpec, MetricTarget, Policy, ScalingRules};
    let test = "Prometheus-driven scaling";
    let Some(binary) = prometheus_binary(test) else {
        return;
    };
    let (state, dir) = state().await;
    let store = state.store().clone();
    let page = Arc::new(std::sync::Mutex::new("queue_depth 50\n".to_string()));
    let set = |text: &str| *page.lock().expect("page") = text.to_string();
    let target = exporter(page.clone()).await;
    let prom = start(
        &binary,
        dir.path(),
        &format!(
            "global:\n  scrape_interval: 1s\n\
             scrape_configs:\n\
             - job_name: exporter\n  static_configs:\n  - targets: ['{target}']\n"
        ),
    );
    // The server, registered as an admin would; the controller uses it at once.
    let admin = super::support::signed_in(&state, "root", Role::Admin).await;
    let (status, text) = super::backends::post(
        &admin,
        "/api/register_prometheus",
        &[
            ("name", "main"),
            ("url", &format!("http://127.0.0.1:{}", prom.port)),
            ("auth", "none"),
            ("timeout_ms", "2000"),
        ],
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{text}");

    // Queue length per ready instance held at 10; scale-in without a window.
    let policy = Policy {
        min_replicas: 1,
        max_replicas: 10,
        metrics: vec![MetricSpec {
            name: "queue".into(),
            source: MetricSource::Prometheus {
                server: "main".into(),
                query: r#"queue_depth{job="exporter"}"#.into(),
                instance_label: String::new(),
                empty_as_zero: false,
            },
            target: MetricTarget::AverageValue(10.0),
        }],
        behavior: Some(Behavior {
            scale_up: ScalingRules::default_up(),
            scale_down: ScalingRules {
                stabilization_window_secs: Some(0),
                ..ScalingRules::default_down()
            },
        }),
        cooldown: ebb_engine::Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Default::default()
    };
    let spec = SimWorkloadSpec {
        startup_secs: 0,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: 10.0 },
        ..super::support::exact_sim()
    };
    let spec_json = serde_json::to_string(&spec).expect("json");
    let (backend, _, workload) =
        store_sim_web(&store, &policy, 1, &spec_json, chrono::Utc::now()).await;
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    sim.add_workload("web", spec).expect("web");
    let controller = super::support::controller_on(&state);
    controller.register_backend(backend, sim);
    let control = tokio::spawn(controller.run(state.stopping()));
    let summary = || {
        let store = store.clone();
        async move {
            store
                .workload_summary(workload)
                .await
                .expect("summary")
                .expect("workload")
        }
    };
    let replicas = |s: &WorkloadSummary| s.current_replicas.unwrap_or(0);

    // 50 queued at 10 each: 5 replicas.
    super::support::wait_for("scaled up to 5 on the query", 30, || async {
        (replicas(&summary().await) == 5).then_some(())
    })
    .await;
    // 10 queued: back to 1.
    set("queue_depth 10\n");
    super::support::wait_for("scaled down to 1", 30, || async {
        (replicas(&summary().await) == 1).then_some(())
    })
    .await;
    // Up again, then the series disappears: missing, never zero, so no scale-in.
    set("queue_depth 40\n");
    super::support::wait_for("scaled up to 4", 30, || async {
        (replicas(&summary().await) == 4).then_some(())
    })
    .await;
    set("# no queue today\n");
    let s = super::support::wait_for("the empty result said", 30, || async {
        let s = summary().await;
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("no series"))
            .then_some(s)
    })
    .await;
    assert!(!s.metrics_ok);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(replicas(&summary().await), 4, "no scale-in on missing data");
    // Two series for a query that must give one: the error lists them.
    set("queue_depth{queue=\"a\"} 1\nqueue_depth{queue=\"b\"} 1\n");
    let s = super::support::wait_for("two series refused", 30, || async {
        let s = summary().await;
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("2 series") && e.contains(r#"queue="a""#))
            .then_some(s)
    })
    .await;
    assert_eq!(replicas(&s), 4);
    // Prometheus gone: back-off, and still no scale-in.
    set("queue_depth 0\n");
    drop(prom);
    let s = super::support::wait_for("the outage said, with its back-off", 30, || async {
        let s = summary().await;
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("next try in") || e.contains("cannot be reached"))
            .then_some(s)
    })
    .await;
    assert_eq!(replicas(&s), 4, "{:?}", s.last_error);
    state.stop();
    let _ = control.await;
}

/// Needs no Prometheus: the settings as admins manage them.
#[tokio::test]
async fn prometheus_servers_are_admin_settings_checked_audited_and_kept_while_used() {
    use super::backends::{audit_count, post};
    use ebb::model::backends::PromServerInfo;
    let (state, dir) = state().await;
    let admin = super::support::signed_in(&state, "root", Role::Admin).await;
    let editor = super::support::signed_in(&state, "ed", Role::Editor).await;
    let form = |name: &'static str, url: &'static str, auth: &'static str, secret: &'static str| {
        vec![
            ("name", name),
            ("url", url),
            ("auth", auth),
            ("user", "ebb"),
            ("secret", secret),
            ("timeout_ms", "3000"),
        ]
    };
    for (pairs, field) in [
        (form("main", "ftp://prom", "none", ""), "url"),
        (form("main", "https://prom:9090", "bearer", ""), "secret"),
        (form("bad name!", "https://prom:9090", "none", ""), "name"),
        (form("main", "https://prom:9090", "kerberos", ""), "auth"),
    ] {
        let (status, text) = post(&admin, "/api/register_prometheus", &pairs).await;
        assert_eq!(status.as_u16(), 400, "{field}: {text}");
        assert!(text.contains(field), "{field}: {text}");
    }
    let (status, _) = post(
        &editor,
        "/api/register_prometheus",
        &form("main", "https://prom:9090", "none", ""),
    )
    .await;
    assert_eq!(status.as_u16(), 403, "admins only");
    assert!(state
        .store()
        .prometheus_servers()
        .await
        .expect("list")
        .is_empty());

    let (status, text) = post(
        &admin,
        "/api/register_prometheus",
        &form(
            "main",
            "https://prom.example:9090/",
            "bearer",
            "s3cr3t-token",
        ),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{text}");
    let id: i64 = text.trim().parse().expect("id");
    let row = state
        .store()
        .prometheus_servers()
        .await
        .expect("list")
        .remove(0);
    assert!(!row.settings.contains("s3cr3t"), "{}", row.settings);
    let settings: serde_json::Value = serde_json::from_str(&row.settings).expect("json");
    let secret_file = settings["secret_file"]
        .as_str()
        .expect("secret file")
        .to_string();
    assert!(secret_file.starts_with(&dir.path().display().to_string()));
    assert_eq!(
        std::fs::read_to_string(&secret_file).expect("secret"),
        "s3cr3t-token"
    );
    let (status, _) = post(
        &admin,
        "/api/register_prometheus",
        &form("main", "https://other:9090", "none", ""),
    )
    .await;
    assert_eq!(status.as_u16(), 400, "names are unique");

    // Everyone sees where it is, nobody sees the secret.
    let (_, listed) = post(&editor, "/api/prometheus_servers", &[]).await;
    let list: Vec<PromServerInfo> = serde_json::from_str(&listed).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].address,
        "https://prom.example:9090, bearer token, timeout 3000 ms"
    );
    assert!(!listed.contains("s3cr3t") && !listed.contains(&secret_file));
    assert!(list[0].has_secret && !list[0].has_ca && !list[0].skip_verify);
    assert_eq!(
        (list[0].auth.as_str(), list[0].timeout_ms),
        ("bearer", 3000)
    );

    // Edited in place: an empty secret keeps the one set; the change is audited.
    let id_s = id.to_string();
    let edit = |name: &'static str, extra: &[(&'static str, &'static str)]| {
        let mut pairs = vec![
            ("id", id_s.clone()),
            ("name", name.to_string()),
            ("url", "https://prom.example:9090".to_string()),
            ("auth", "bearer".to_string()),
            ("timeout_ms", "4000".to_string()),
        ];
        for (k, v) in extra {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v.to_string()));
        }
        pairs
    };
    let post_edit = |who: &'static str, pairs: Vec<(&'static str, String)>| {
        let session = if who == "admin" {
            admin.clone()
        } else {
            editor.clone()
        };
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(&session, "/api/update_prometheus", &refs).await
        }
    };
    let (status, _) = post_edit("editor", edit("main", &[])).await;
    assert_eq!(status.as_u16(), 403, "admins only");
    let (status, text) = post_edit("admin", edit("main", &[])).await;
    assert_eq!(status.as_u16(), 200, "{text}");
    let settings_now = || async {
        let row = state
            .store()
            .prometheus_servers()
            .await
            .expect("list")
            .remove(0);
        serde_json::from_str::<serde_json::Value>(&row.settings).expect("json")
    };
    let now = settings_now().await;
    assert_eq!(now["timeout_ms"], 4000);
    assert_eq!(
        now["secret_file"].as_str(),
        Some(secret_file.as_str()),
        "kept"
    );
    assert_eq!(audit_count(&state, "prometheus.update").await, 1);
    // Bad combinations are refused field by field, and nothing changes.
    for (extra, field) in [
        (
            vec![
                ("skip_verify", "on"),
                ("ca", "/etc/ssl/certs/ca-certificates.crt"),
            ],
            "ca",
        ),
        (
            vec![("url", "http://prom.example:9090"), ("skip_verify", "on")],
            "skip_verify",
        ),
        (vec![("skip_verify", "maybe")], "skip_verify"),
        (vec![("auth", "basic"), ("user", "")], "secret"),
    ] {
        let (status, text) = post_edit("admin", edit("main", &extra)).await;
        assert_eq!(status.as_u16(), 400, "{field}: {text}");
        assert!(text.contains(field), "{field}: {text}");
    }
    assert_eq!(settings_now().await, now, "a refused edit changes nothing");
    // A new secret replaces the file ebb wrote; skip-verify is shown on the list.
    let (status, text) = post_edit(
        "admin",
        edit("main", &[("secret", "n3w-token"), ("skip_verify", "on")]),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{text}");
    let now = settings_now().await;
    let new_file = now["secret_file"].as_str().expect("file").to_string();
    assert_ne!(new_file, secret_file);
    assert_eq!(
        std::fs::read_to_string(&new_file).expect("secret"),
        "n3w-token"
    );
    assert!(
        !std::path::Path::new(&secret_file).exists(),
        "the old file is gone"
    );
    let secret_file = new_file;
    let (_, listed) = post(&editor, "/api/prometheus_servers", &[]).await;
    assert!(listed.contains("certificate NOT verified"), "{listed}");
    assert!(!listed.contains("n3w-token"), "{listed}");

    // Kept while a policy queries it.
    let mut policy = cpu_policy(50.0, 5, 0);
    policy.metrics.push(ebb_engine::MetricSpec {
        name: "queue".into(),
        source: ebb_engine::MetricSource::Prometheus {
            server: "main".into(),
            query: "sum(queue_depth)".into(),
            instance_label: String::new(),
            empty_as_zero: false,
        },
        target: ebb_engine::MetricTarget::Value(10.0),
    });
    let (_, pid, _) = store_sim_web(state.store(), &policy, 15, "{}", chrono::Utc::now()).await;
    let (status, text) = post(&admin, "/api/remove_prometheus", &[("id", &id_s)]).await;
    assert_eq!(status.as_u16(), 400, "{text}");
    assert!(text.contains("policies query it: p"), "{text}");
    // Nor renamed (the policy names it); its other settings may change.
    let (status, text) = post_edit("admin", edit("renamed", &[])).await;
    assert_eq!(status.as_u16(), 400, "{text}");
    assert!(
        text.contains("policies query this server by its name: p"),
        "{text}"
    );
    // Once the policy no longer does, it goes, with the file ebb wrote.
    state
        .store()
        .save_policy_version(
            pid,
            &cpu_policy(50.0, 5, 0),
            ebb::server::store::policies::Authorship {
                author: "root",
                comment: "drop the queue metric",
                at: chrono::Utc::now(),
            },
            None,
        )
        .await
        .expect("new version");
    let (status, text) = post(&admin, "/api/remove_prometheus", &[("id", &id_s)]).await;
    assert_eq!(status.as_u16(), 200, "{text}");
    assert!(!std::path::Path::new(&secret_file).exists());
    assert_eq!(audit_count(&state, "prometheus.register").await, 1);
    assert_eq!(audit_count(&state, "prometheus.remove").await, 1);
    assert_eq!(audit_count(&state, "prometheus.update").await, 2);
}

#[tokio::test]
async fn test_query_in_the_policy_editor_shows_the_value_and_the_proposal_with_and_without_javascript(
) {
    use super::policies::{post as form_post, set, submit, valid};
    use ebb::model::policies::SubmitOutcome;
    let Some(binary) = prometheus_binary("Test query") else {
        return;
    };
    let (state, dir) = state().await;
    let prom = start(&binary, dir.path(), "global:\n  scrape_interval: 1s\n");
    let app = super::support::signed_in(&state, "root", Role::Admin).await;
    let (status, text) = super::backends::post(
        &app,
        "/api/register_prometheus",
        &[
            ("name", "main"),
            ("url", &format!("http://127.0.0.1:{}", prom.port)),
        ],
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{text}");
    let client = state.inner.prometheus.client("main").expect("registered");
    super::support::wait_for("Prometheus answering", 60, || async {
        client.query("vector(1)").await.ok()
    })
    .await;
    let mut form = valid("queue");
    for (k, v) in [
        ("metrics[0][name]", "queue"),
        ("metrics[0][source]", "prometheus"),
        ("metrics[0][server]", "main"),
        ("metrics[0][query]", "vector(42)"),
        ("metrics[0][target_type]", "average_value"),
        ("metrics[0][target_value]", "10"),
        ("op", "test_query:0"),
    ] {
        set(&mut form, k, v);
    }
    // With JavaScript: the form comes back with the answer beside the metric.
    match submit(&app, &form).await {
        Ok(SubmitOutcome::Draft(fields)) => {
            let answer = fields.get("metrics[0][test_result]");
            assert!(
                answer.contains("42") && answer.contains("proposes 5 replicas"),
                "{answer}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A query Prometheus cannot parse: its own words. Nothing was saved either way.
    set(&mut form, "metrics[0][query]", "sum(");
    match submit(&app, &form).await {
        Ok(SubmitOutcome::Draft(fields)) => {
            let answer = fields.get("metrics[0][test_result]");
            assert!(answer.contains("parse error"), "{answer}");
        }
        other => panic!("{other:?}"),
    }
    assert!(state.store().policy_rows().await.expect("list").is_empty());
    // Without JavaScript: back to the editor, the answer in the page.
    set(&mut form, "metrics[0][query]", "vector(7)");
    let (status, location, _) = form_post(&app, "/api/policy_submit", &form, true).await;
    assert_eq!(status.as_u16(), 302);
    let (_, page) = super::support::get(&app, &location.expect("redirect")).await;
    assert!(
        page.contains(r#"id="test-query-result-0""#) && page.contains("proposes 1 replicas"),
        "{page}"
    );
}
