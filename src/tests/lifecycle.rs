//! Lifecycle of the real process: the built `ebb` binary on a temporary database, signed in
//! over real HTTP, exits with status 0 within 5 s of SIGTERM or SIGINT although live streams, a
//! request in flight and a half-sent request head are open; the controller starts no backend
//! call once shutdown has begun; a second server on the same SQLite file is refused; and a
//! backup taken while it serves restores, with its audit, into a new database.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ebb::server::clock::{Clock, TokioClock};
use ebb::server::config::DatabaseUrl;
use ebb::server::controller::Controller;
use ebb::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use ebb::server::store::Store;

use super::support::{cpu_policy, store_sim_web};
use super::wire::{
    closed_within, connect, get_request, post_head, read_response, read_until, send,
};

/// What the issue promises: gone within 5 s of the signal.
const EXIT_BUDGET: Duration = Duration::from_secs(5);

/// A temporary database with the viewer `watcher`, made by `ebb user add`.
struct Site {
    dir: tempfile::TempDir,
    password: String,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = ebb(&dir)
            .args(["user", "add", "watcher", "--role", "viewer"])
            .output()
            .expect("run ebb user add");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let password = text
            .split("one-time password ")
            .nth(1)
            .map(|p| p.trim().to_string())
            .unwrap_or_else(|| {
                panic!(
                    "ebb user add printed no password ({}): stdout {text:?}, stderr {:?}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        Site { dir, password }
    }
}

/// The built binary, run in `dir` on the database there.
fn ebb(dir: &tempfile::TempDir) -> Command {
    let db = format!("sqlite://{}", dir.path().join("ebb.db").display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ebb"));
    cmd.current_dir(dir.path()).args(["--database-url", &db]);
    cmd
}

/// `ebb serve` running on a site's database; killed if a test leaves it running.
struct Process {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Starts `ebb serve` with `flags` on a free port of `site`.
    fn start(site: &Site, flags: &[&str]) -> Process {
        let mut child = ebb(&site.dir)
            .args(["--bind", "127.0.0.1:0", "--traces-dir", "no-traces"])
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start ebb");
        let lines = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        // Reads the log to its end, so the process never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(lines).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let addr = rx
            .iter()
            .find_map(|l| {
                let rest = l.split("ebb listening on http://").nth(1)?;
                rest.split(' ').next()?.parse().ok()
            })
            .expect("ebb logs its address");
        Process { child, addr }
    }

    /// Sends `signal`, then waits up to `budget` for the exit; the status and how long it took.
    async fn stop(&mut self, signal: i32, budget: Duration) -> Option<(i32, Duration)> {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal sent");
        let started = Instant::now();
        while started.elapsed() < budget {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some((status.code().unwrap_or(-1), started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

/// Signs `watcher` in over HTTP with its one-time password and replaces that password (so call
/// it once per `Site`); returns the session cookie's value.
async fn sign_in(addr: SocketAddr, password: &str) -> String {
    let body = format!("username=watcher&password={password}");
    let mut c = connect(addr).await;
    send(
        &mut c,
        &post_head("/login", &addr.to_string(), None, body.len()),
    )
    .await;
    send(&mut c, &body).await;
    let res = read_response(&mut c, Duration::from_secs(30))
        .await
        .expect("sign-in answered");
    let cookie = format!("{}=", ebb::server::auth::COOKIE);
    let sid = res
        .header("set-cookie")
        .and_then(|v| v.strip_prefix(&cookie))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("not signed in: {res:?}"));
    // A one-time password opens nothing but the password form: choose one, as a person would.
    let body = format!("current={password}&new=watchers+own+password&repeat=watchers+own+password");
    let mut c = connect(addr).await;
    let head = post_head(
        "/api/change_password",
        &addr.to_string(),
        Some(&sid),
        body.len(),
    );
    send(
        &mut c,
        &head.replacen("\r\n", "\r\nAccept: application/json\r\n", 1),
    )
    .await;
    send(&mut c, &body).await;
    let res = read_response(&mut c, Duration::from_secs(30))
        .await
        .expect("password change answered");
    assert_eq!(res.status, 200, "password change: {res:?}");
    sid
}

#[tokio::test]
async fn the_process_exits_promptly_on_a_signal_with_streams_and_requests_open() {
    let cases = [("SIGTERM", libc::SIGTERM), ("SIGINT", libc::SIGINT)];
    for (name, signal) in cases {
        let site = Site::new();
        let mut p = Process::start(&site, &[]);
        let sid = sign_in(p.addr, &site.password).await;
        let mut streams = Vec::new();
        for _ in 0..3 {
            let mut live = connect(p.addr).await;
            send(&mut live, &get_request("/api/live", Some(&sid))).await;
            assert!(read_until(&mut live, "event: hello", Duration::from_secs(10)).await);
            streams.push(live);
        }
        let host = p.addr.to_string();
        let mut slow = connect(p.addr).await;
        send(&mut slow, &post_head("/logout", &host, Some(&sid), 100)).await;
        send(&mut slow, "a=").await;
        let mut half = connect(p.addr).await;
        send(&mut half, "GET /healthz HTTP/1.1\r\nHost: loc").await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        let exited = p.stop(signal, EXIT_BUDGET).await;
        let (code, took) = exited.unwrap_or_else(|| panic!("still running 5 s after {name}"));
        eprintln!("{name}: exited with {code} after {took:?}");
        assert_eq!(code, 0, "{name}: exit status");
        for live in &mut streams {
            assert!(closed_within(live, Duration::from_millis(100)).await);
        }
    }
}

/// Runs `cmd` to its end, at most `budget` (killed and reported otherwise): exit code, stdout,
/// stderr.
fn run_within(cmd: &mut Command, budget: Duration) -> (i32, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ebb");
    let began = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if began.elapsed() > budget {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running after {budget:?}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_is_refused_while_one_shot_commands_work() {
    let site = Site::new();
    let mut first = Process::start(&site, &[]);
    let mut second = ebb(&site.dir);
    second.args(["--bind", "127.0.0.1:0", "--traces-dir", "no-traces"]);
    let (code, _, err) = run_within(&mut second, Duration::from_secs(30));
    assert_eq!(code, 1, "refused: {err}");
    assert!(err.contains("another ebb is using the database"), "{err}");
    assert!(
        err.contains(&format!("process {}", first.child.id())),
        "names the holder: {err}"
    );
    assert!(
        err.contains(&format!("listening on {}", first.addr)),
        "{err}"
    );
    // One-shot commands share the file with the running server.
    let mut add = ebb(&site.dir);
    add.args(["user", "add", "second", "--role", "viewer"]);
    let (code, out, err) = run_within(&mut add, Duration::from_secs(30));
    assert_eq!(code, 0, "user add while serving: {out} {err}");
    assert!(out.contains("one-time password"), "{out}");
    // The kernel drops the lock of a killed server: a new one starts at once.
    let killed = first.stop(libc::SIGKILL, EXIT_BUDGET).await;
    assert!(killed.is_some(), "killed");
    let again = Process::start(&site, &[]);
    assert_ne!(again.addr, SocketAddr::from(([0, 0, 0, 0], 0)));
}

/// Every audit entry of the SQLite database at `db`, as text, oldest first.
async fn audit_of(db: &std::path::Path) -> Vec<String> {
    let store = Store::connect(&DatabaseUrl::SqliteFile(db.to_path_buf()))
        .await
        .expect("store");
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, at, actor, action, COALESCE(target_id, '') FROM audit_log ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .expect("audit");
    store.close().await;
    rows.into_iter().map(|r| format!("{r:?}")).collect()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_new_database_with_its_audit() {
    let site = Site::new();
    let server = Process::start(&site, &[]);
    let run = |args: &[&str]| {
        let mut cmd = ebb(&site.dir);
        cmd.args(args);
        run_within(&mut cmd, Duration::from_secs(60))
    };
    let backup = site.dir.path().join("backup.db");
    let backup_arg = backup.display().to_string();
    let (code, out, err) = run(&["backup", &backup_arg]);
    assert_eq!(code, 0, "backup while serving: {out} {err}");
    assert!(
        out.contains("backed up") && out.contains("audit entries"),
        "{out}"
    );
    let before = std::fs::read(&backup).expect("backup written");
    // A second backup to the same name is refused and leaves the first untouched.
    let (code, _, err) = run(&["backup", &backup_arg]);
    assert_eq!(code, 1);
    assert!(err.contains("exists; choose a new file name"), "{err}");
    assert_eq!(std::fs::read(&backup).expect("backup"), before);
    // Restoring over the database the server uses is refused while it runs.
    let (code, _, err) = run(&["restore", &backup_arg, "--force"]);
    assert_eq!(code, 1);
    assert!(err.contains("another ebb is using the database"), "{err}");
    assert!(
        err.contains(&format!("listening on {}", server.addr)),
        "{err}"
    );
    drop(server);

    let fresh = site.dir.path().join("restored").join("ebb.db");
    let fresh_url = format!("sqlite://{}", fresh.display());
    let (code, out, err) = run(&["restore", &backup_arg, "--database-url", &fresh_url]);
    assert_eq!(code, 0, "restore into a new database: {out} {err}");
    let original = audit_of(&site.dir.path().join("ebb.db")).await;
    assert!(
        !original.is_empty(),
        "user add and sign-in setup are audited"
    );
    assert_eq!(audit_of(&fresh).await, original, "the audit is intact");
    // An existing database is replaced only with --force, and then moved aside, not lost.
    let (code, _, err) = run(&["restore", &backup_arg, "--database-url", &fresh_url]);
    assert_eq!(code, 1);
    assert!(err.contains("only with --force"), "{err}");
    let (code, out, err) = run(&[
        "restore",
        &backup_arg,
        "--database-url",
        &fresh_url,
        "--force",
    ]);
    assert_eq!(code, 0, "{out} {err}");
    let aside = out
        .lines()
        .find_map(|l| l.strip_prefix("moved the previous database aside to "))
        .unwrap_or_else(|| panic!("says where the old one went: {out}"));
    assert_eq!(audit_of(std::path::Path::new(aside)).await, original);
    // Anything but an ebb database is refused before a byte is written.
    let junk = site.dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").expect("junk");
    let other = format!("sqlite://{}", site.dir.path().join("other.db").display());
    let (code, _, err) = run(&[
        "restore",
        &junk.display().to_string(),
        "--database-url",
        &other,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a usable ebb database"), "{err}");
    assert!(
        !site.dir.path().join("other.db").exists(),
        "nothing written"
    );
}

#[tokio::test]
async fn live_streams_outlast_short_header_and_request_timeouts_in_the_binary() {
    let site = Site::new();
    // Signed in with the default timeouts: a password check in a debug build under a busy
    // test run may take longer than the 1 s timeouts below.
    let mut p = Process::start(&site, &[]);
    let sid = sign_in(p.addr, &site.password).await;
    assert!(p.stop(libc::SIGTERM, EXIT_BUDGET).await.is_some());
    let flags = ["--header-read-timeout", "1", "--request-timeout", "1"];
    let mut p = Process::start(&site, &flags);
    let mut live = connect(p.addr).await;
    send(&mut live, &get_request("/api/live", Some(&sid))).await;
    assert!(read_until(&mut live, "event: hello", Duration::from_secs(10)).await);
    let mut half = connect(p.addr).await;
    send(&mut half, "GET /healthz HTTP/1.1\r\nHost: loc").await;
    assert!(
        !closed_within(&mut live, Duration::from_millis(2500)).await,
        "the live stream was cut"
    );
    assert!(
        closed_within(&mut half, Duration::from_millis(100)).await,
        "--header-read-timeout 1 did not close a half-sent head within 2.5 s"
    );
    assert!(p.stop(libc::SIGTERM, EXIT_BUDGET).await.is_some());
}

/// The simulator behind a gate: `observe` waits until the test opens it, and every `scale`
/// is recorded.
struct Gated {
    inner: Arc<SimulatorBackend>,
    observing: tokio::sync::Notify,
    open: tokio::sync::Semaphore,
    scaled: Mutex<Vec<u32>>,
}

#[async_trait::async_trait]
impl Orchestrator for Gated {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        self.inner.list_workloads().await
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        self.observing.notify_one();
        let _ = self.open.acquire().await;
        self.inner.observe(w).await
    }
    async fn scale(&self, w: &str, n: u32, token: &str) -> Result<ScaleOutcome, OrchestratorError> {
        self.scaled.lock().expect("lock").push(n);
        self.inner.scale(w, n, token).await
    }
    async fn resources(&self, w: &str) -> Result<(ResourceSpec, String), OrchestratorError> {
        self.inner.resources(w).await
    }
    async fn set_resources(
        &self,
        w: &str,
        r: &ResourceSpec,
        token: &str,
    ) -> Result<String, OrchestratorError> {
        self.inner.set_resources(w, r, token).await
    }
}

#[tokio::test]
async fn the_controller_starts_no_backend_call_after_shutdown_begins() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&DatabaseUrl::SqliteFile(dir.path().join("s.db")))
        .await
        .expect("store");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let now = clock.now();
    let (backend, _, _) = store_sim_web(&store, &cpu_policy(70.0, 20, 300), 1, "{}", now).await;
    // 600 units on one instance of 100: the policy wants to scale up at once.
    let sim = Arc::new(SimulatorBackend::new(clock.clone()));
    let spec = SimWorkloadSpec {
        capacity_per_instance: 100.0,
        initial_replicas: 1,
        demand: DemandSpec::Constant { value: 600.0 },
        ..Default::default()
    };
    sim.add_workload("web", spec).expect("sim");
    let gated = Arc::new(Gated {
        inner: sim,
        observing: tokio::sync::Notify::new(),
        open: tokio::sync::Semaphore::new(0),
        scaled: Mutex::new(Vec::new()),
    });
    let controller = Arc::new(Controller::new(
        store.clone(),
        clock,
        tokio::sync::broadcast::channel(16).0,
    ));
    controller.register_backend(backend, gated.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(controller.run(stopping));
    tokio::time::timeout(Duration::from_secs(10), gated.observing.notified())
        .await
        .expect("the controller observes the workload");
    // The signal arrives while the backend is being asked; then the backend answers.
    stop.send(true).expect("stop");
    gated.open.add_permits(100);
    tokio::time::timeout(Duration::from_secs(1), task)
        .await
        .expect("the loop stops at once")
        .expect("no panic");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let scaled = gated.scaled.lock().expect("lock").clone();
    assert!(scaled.is_empty(), "scaled to {scaled:?} after the signal");
}
