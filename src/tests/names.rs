//! Names through the real router: `attach_policy` takes only a service name that follows its
//! backend's rule and that the backend lists now, scalable; a backend that does not answer
//! stores nothing. Every other form and command that takes a name (backends, users, API
//! tokens, policies, `ebb user add`) refuses hostile names, saying what is allowed.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use ebb::model::auth::Role;
use ebb::model::ApiError;
use ebb::server::clock::{Clock, TokioClock};
use ebb::server::orchestrator::simulator::{SimWorkloadSpec, SimulatorBackend};
use ebb::server::orchestrator::{
    Orchestrator, OrchestratorError, ResourceSpec, ScaleOutcome, WorkloadObservation, WorkloadRef,
};
use ebb::server::state::AppState;
use ebb::server::store::policies::Authorship;

use super::backends::{admin, post, Form};
use super::support::{config_in, cpu_policy, state};

/// A backend that lists the services it was given and can do nothing else (a Swarm with a
/// global service, without needing a daemon).
struct Listing(Vec<WorkloadRef>);

#[async_trait::async_trait]
impl Orchestrator for Listing {
    async fn list_workloads(&self) -> Result<Vec<WorkloadRef>, OrchestratorError> {
        Ok(self.0.clone())
    }
    async fn observe(&self, w: &str) -> Result<WorkloadObservation, OrchestratorError> {
        Err(OrchestratorError::NotFound(w.into()))
    }
    async fn scale(&self, w: &str, _: u32, _: &str) -> Result<ScaleOutcome, OrchestratorError> {
        Err(OrchestratorError::NotFound(w.into()))
    }
    async fn set_resources(
        &self,
        w: &str,
        _: &ResourceSpec,
        _: &str,
    ) -> Result<String, OrchestratorError> {
        Err(OrchestratorError::NotFound(w.into()))
    }
}

struct Rig {
    state: AppState,
    app: Router,
    sim: Arc<SimulatorBackend>,
    /// Simulator backend with service `web`; Swarm-like backend with scalable `api` and
    /// global `agent`.
    sim_id: String,
    listing_id: String,
    policy: String,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let (state, dir) = state().await;
    let store = state.store();
    let now = chrono::Utc::now();
    let sim_id = store
        .insert_backend("sim", "simulator", "{}", now)
        .await
        .expect("backend");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let sim = Arc::new(SimulatorBackend::new(clock));
    sim.add_workload("web", SimWorkloadSpec::default())
        .expect("sim");
    state.backends().insert(sim_id, sim.clone());
    let listing_id = store
        .register_backend("swarm", "swarm", r#"{"socket":"/nope.sock"}"#, "t", now)
        .await
        .expect("backend");
    let services = vec![
        WorkloadRef {
            name: "api".into(),
            scalable: true,
            note: None,
            held_by: None,
        },
        WorkloadRef {
            name: "agent".into(),
            scalable: false,
            note: Some("a global service runs one task per node".into()),
            held_by: None,
        },
    ];
    state
        .backends()
        .insert(listing_id, Arc::new(Listing(services)));
    let who = Authorship {
        author: "t",
        comment: "t",
        at: now,
    };
    let policy = store
        .create_policy("p", &cpu_policy(70.0, 5, 0), who)
        .await
        .expect("policy");
    let app = admin(&state).await;
    Rig {
        state,
        app,
        sim,
        sim_id: sim_id.to_string(),
        listing_id: listing_id.to_string(),
        policy: policy.to_string(),
        _dir: dir,
    }
}

impl Rig {
    async fn attach(&self, backend: &str, service: &str) -> (StatusCode, String) {
        let form = [
            ("backend_id", backend),
            ("service", service),
            ("policy_id", self.policy.as_str()),
            ("interval", "15"),
        ];
        post(&self.app, "/api/attach_policy", &form).await
    }

    /// Workloads and audit entries: what an attach would add.
    async fn stored(&self) -> (i64, i64) {
        let count = |table: &str| {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let pool = self.state.store().pool().clone();
            async move {
                sqlx::query_scalar::<_, i64>(&sql)
                    .fetch_one(&pool)
                    .await
                    .expect("count")
            }
        };
        (count("workloads").await, count("audit_log").await)
    }
}

fn field_error(text: &str, field: &str) -> String {
    let err: ApiError = serde_json::from_str(text).unwrap_or_else(|_| panic!("api error: {text}"));
    err.field(field)
        .unwrap_or_else(|| panic!("no message for {field}: {err:?}"))
        .to_string()
}

#[tokio::test]
async fn attach_policy_refuses_hostile_and_unlisted_service_names_and_stores_nothing() {
    let r = rig().await;
    let huge = "a".repeat(200_000);
    let (long, longer) = ("w".repeat(63), "w".repeat(64));
    let (sim, swarm) = (r.sim_id.as_str(), r.listing_id.as_str());
    let unlisted = "lists no service";
    let cases: &[(&str, &str, &str, &str)] = &[
        ("empty", sim, "", "1 to 63"),
        ("markup", sim, "<b>web</b>", "'<' is not allowed"),
        ("rtl override", sim, "web\u{202E}", "U+202E"),
        ("200,000 characters", sim, &huge, "200000 characters"),
        ("nul", sim, "web\0", "U+0000"),
        ("newline", sim, "web\nx", "U+000A"),
        ("leading dash", sim, "-web", "starting and ending"),
        ("64 characters", sim, &longer, "64 characters"),
        ("63 characters, not listed", sim, &long, unlisted),
        ("well-formed, not listed", sim, "web2", unlisted),
        ("swarm: not listed", swarm, "web", unlisted),
        ("swarm: not scalable", swarm, "agent", "global service"),
    ];
    let before = r.stored().await;
    for (case, backend, service, says) in cases {
        let (status, text) = r.attach(backend, service).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {text}");
        let message = field_error(&text, "service");
        assert!(message.contains(says), "{case}: {message}");
        assert!(message.len() < 600, "{case}: the message echoes the input");
        assert_eq!(r.stored().await, before, "{case} stored something");
    }

    // A backend that does not answer: a 503 saying so, nothing stored.
    let until = chrono::Utc::now() + chrono::Duration::seconds(600);
    r.sim.with_cluster(|c, _| c.force_unreachable_until(until));
    let (status, text) = r.attach(&r.sim_id, "web").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(
        text.contains("unreachable") && text.contains("nothing was stored"),
        "{text}"
    );
    assert_eq!(
        r.stored().await,
        before,
        "an unreachable backend stored something"
    );

    // Listed, scalable, well-formed: attached.
    r.sim.with_cluster(|c, now| c.force_unreachable_until(now));
    let (status, text) = r.attach(&r.sim_id, "web").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = r.attach(&r.listing_id, "api").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(r.stored().await.0, before.0 + 2);
}

#[tokio::test]
async fn every_form_that_takes_a_name_refuses_hostile_names() {
    let r = rig().await;
    let (huge, b64, long) = ("x".repeat(200_000), "b".repeat(64), "x".repeat(1_000));
    let (backend, user_, token) = ("/api/register_swarm", "/api/add_user", "/api/create_token");
    let policy_ = "/api/policy_submit";
    let cases: &[(&str, &str, Form)] = &[
        ("backend markup", backend, swarm("<b>x</b>")),
        ("backend parent dir", backend, swarm("..")),
        ("backend leading dash", backend, swarm("-prod")),
        ("backend 64", backend, swarm(&b64)),
        ("user rtl", user_, user("\u{202E}nimda")),
        ("user markup", user_, user("<script>")),
        ("user newline", user_, user("bob\nadmin")),
        ("user huge", user_, user(&huge)),
        ("token rtl", token, vec![("name", "ci\u{202E}")]),
        ("token nul", token, vec![("name", "ci\0")]),
        ("token huge", token, vec![("name", &huge)]),
        ("policy rtl", policy_, policy("web\u{2067}")),
        ("policy newline", policy_, policy("web\nx")),
        // A 200,000-character policy name is stopped earlier by the editor form's size limit.
        ("policy long", policy_, policy(&long)),
    ];
    let rows = |state: &AppState| {
        let pool = state.store().pool().clone();
        async move {
            let mut n = 0;
            for t in ["backends", "users", "api_tokens", "policies", "audit_log"] {
                let sql = format!("SELECT COUNT(*) FROM {t}");
                n += sqlx::query_scalar::<_, i64>(&sql)
                    .fetch_one(&pool)
                    .await
                    .expect("count");
            }
            n
        }
    };
    let before = rows(&r.state).await;
    for (case, path, form) in cases {
        let field = if *path == user_ { "username" } else { "name" };
        let (status, text) = post(&r.app, path, form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {text}");
        let message = field_error(&text, field);
        assert!(
            message.contains("1 to ") && message.len() < 600,
            "{case}: {message}"
        );
        assert_eq!(rows(&r.state).await, before, "{case} stored something");
    }

    let (status, text) = post(&r.app, policy_, &policy(&huge)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "policy huge: {text}");
    assert!(field_error(&text, "form").contains("KiB"), "{text}");
    assert_eq!(rows(&r.state).await, before, "policy huge stored something");

    // `ebb user add` follows the same rule.
    let config = config_in(&r._dir);
    for name in ["-root", "a b", "\u{202E}x"] {
        let cmd = ebb::server::config::UserCommand::Add {
            name: name.into(),
            role: Role::Viewer,
        };
        let err = ebb::server::run::user_command(&config, cmd)
            .await
            .expect_err(name);
        assert!(err.to_string().contains("user name is 1 to 64"), "{err}");
    }
    assert_eq!(rows(&r.state).await, before, "the command stored something");
}

fn swarm(name: &str) -> Form<'_> {
    vec![
        ("name", name),
        ("socket", "/var/run/docker.sock"),
        ("host", ""),
        ("ca", ""),
        ("cert", ""),
        ("key", ""),
        ("label", ""),
    ]
}

fn user(name: &str) -> Form<'_> {
    vec![("username", name), ("role", "viewer")]
}

fn policy(name: &str) -> Form<'_> {
    vec![
        ("op", "save"),
        ("name", name),
        ("comment", "c"),
        ("min_replicas", "1"),
        ("max_replicas", "3"),
    ]
}
