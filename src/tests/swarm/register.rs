//! Registering a Swarm backend from the dashboard's store path: the change and its audit entry
//! land together, and the running controller picks the backend up without a restart. Needs no
//! daemon (the backend connects on first use).

use std::sync::Arc;

use ebb::server::clock::TokioClock;
use ebb::server::config::DatabaseUrl;
use ebb::server::controller::Controller;
use ebb::server::store::policies::Authorship;
use ebb::server::store::Store;
use ebb_engine::Policy;

#[tokio::test]
async fn swarm_registered_backend_is_audited_and_reaches_the_controller() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&DatabaseUrl::SqliteFile(dir.path().join("r.db")))
        .await
        .expect("store");
    let now = chrono::Utc::now();
    let clock = Arc::new(TokioClock::new());
    let (live, _) = tokio::sync::broadcast::channel(4);
    let controller = Controller::new(store.clone(), clock.clone(), live);
    let settings = r#"{"host":"tcp://10.0.0.5:2376","tls":{"ca":"/etc/ebb/ca.pem","cert":"/etc/ebb/cert.pem","key":"/etc/ebb/key.pem"},"label":"ebb.enable=true"}"#;
    let id = store
        .register_backend("prod", "swarm", settings, "alice", now)
        .await
        .expect("register");
    let who = Authorship {
        author: "alice",
        comment: "",
        at: now,
    };
    let pid = store
        .create_policy("cpu", &Policy::default(), who)
        .await
        .expect("policy");
    let wid = store
        .attach_policy(id, "web", pid, 5, "alice", now)
        .await
        .expect("attach");
    assert_eq!(
        store
            .attach_policy(id, "web", pid, 10, "bob", now)
            .await
            .expect("re-attach"),
        wid
    );

    let audit = store
        .audit_page(&Default::default(), 10)
        .await
        .expect("audit");
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"backend.register"), "{actions:?}");
    assert!(actions.contains(&"workload.create") && actions.contains(&"workload.attach_policy"));
    assert!(audit
        .iter()
        .all(|a| !a.after.clone().unwrap_or_default().contains("BEGIN")));

    assert!(controller.backend(id).is_none());
    ebb::server::backends::connect_missing(&controller, &store, clock)
        .await
        .expect("connect");
    assert!(
        controller.backend(id).is_some(),
        "registered with the running controller"
    );
}
