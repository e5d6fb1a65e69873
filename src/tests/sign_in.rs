//! The sign-in form under attack, through the router: every checked attempt costs one
//! argon2 verification whatever the name, failures slow further attempts down without
//! locking anyone out, refused attempts check and record nothing, and behind a trusted
//! proxy every client is told apart by `X-Forwarded-For`. The sign-in clock is a manual one,
//! so the delays pass without sleeping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use ebb::model::auth::Role;
use ebb::server::auth::sign_in::SignIn;
use ebb::server::auth::throttle::{Backoff, Delays};
use ebb::server::clock::ManualClock;
use ebb::server::state::AppState;

use super::support::{send, session_for, state};

const PASSWORD: &str = "test password 123";

/// The router over a fresh database with a manual sign-in clock.
struct Bench {
    app: Router,
    state: AppState,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// An attempt as it reached the server: the TCP peer, and `X-Forwarded-For` when given.
#[derive(Clone, Copy)]
struct From<'a> {
    peer: &'a str,
    forwarded: Option<&'a str>,
}

fn direct(peer: &str) -> From<'_> {
    From {
        peer,
        forwarded: None,
    }
}

async fn bench(proxies: &str, delays: Delays) -> Bench {
    let (state, dir) = state().await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let sign_in = SignIn::new(proxies.parse().expect("proxies"))
        .with_delays(delays)
        .with_clock(clock.clone());
    let state = state.with_sign_in(sign_in);
    let app = ebb::server::http::router(state.clone(), Duration::from_secs(60));
    Bench {
        app,
        state,
        clock,
        _dir: dir,
    }
}

impl Bench {
    fn advance(&self, secs: i64) {
        self.clock
            .set(ebb::server::clock::Clock::now(&*self.clock) + chrono::Duration::seconds(secs));
    }

    /// Posts the login form; returns where it sends the browser.
    async fn login(&self, user: &str, password: &str, from: From<'_>) -> String {
        let peer: std::net::SocketAddr = format!("{}:40000", from.peer)
            .parse()
            .or_else(|_| format!("[{}]:40000", from.peer).parse())
            .expect("peer");
        let mut req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!("username={user}&password={password}")))
            .expect("request");
        if let Some(chain) = from.forwarded {
            req.headers_mut()
                .insert("x-forwarded-for", chain.parse().expect("header"));
        }
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let (res, _) = send(&self.app, req).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{user}");
        res.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string()
    }

    fn verifications(&self) -> u64 {
        self.state.sign_in.verifications()
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.state.store().pool())
            .await
            .expect("count")
    }
}

/// The seconds a refused attempt is told to wait, `None` when it was not refused.
fn retry(location: &str) -> Option<i64> {
    location
        .contains("error=wait")
        .then(|| {
            location
                .split("retry=")
                .nth(1)?
                .split('&')
                .next()?
                .parse()
                .ok()
        })
        .flatten()
}

fn signed_in(location: &str) -> bool {
    !location.starts_with("/login")
}

#[tokio::test]
async fn unknown_disabled_and_real_names_each_cost_one_verification() {
    let b = bench("", Delays::default()).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    session_for(&b.state, "bob", Role::Viewer).await;
    let store = b.state.store();
    let bob = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == "bob");
    let bob = bob.expect("bob").id;
    store
        .update_user(bob, Role::Viewer, true, "test", Utc::now())
        .await
        .expect("disable bob");
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, bool)] = &[
        ("wrong password", "alice", "wrong", false),
        ("unknown name", "nobody", "wrong", false),
        ("disabled account, right password", "bob", PASSWORD, false),
        ("real name, right password", "alice", PASSWORD, true),
    ];
    for (i, (name, user, password, ok)) in cases.iter().enumerate() {
        let before = b.verifications();
        let peer = format!("192.0.2.{}", 10 + i);
        let location = b.login(user, password, direct(&peer)).await;
        assert_eq!(signed_in(&location), *ok, "{name}: {location}");
        assert_eq!(
            b.verifications() - before,
            1,
            "{name}: one argon2 verification"
        );
    }
}

/// Medians of interleaved tries, compared with a loose ratio: today an unknown name answers
/// in milliseconds and a real one after a full argon2 verification.
#[tokio::test]
async fn unknown_names_take_as_long_as_real_ones() {
    let never = Backoff {
        free: i64::MAX,
        base: chrono::Duration::zero(),
        cap: chrono::Duration::zero(),
    };
    let delays = Delays {
        account: never,
        pair: never,
        address: never,
        ..Delays::default()
    };
    let b = bench("", delays).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    b.state.sign_in.prepare().await.expect("dummy hash");
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        for (user, times) in [("alice", &mut real), ("nobody", &mut unknown)] {
            let started = Instant::now();
            assert!(!signed_in(
                &b.login(user, "wrong", direct("192.0.2.1")).await
            ));
            times.push(started.elapsed());
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (real, unknown) = (median(&mut real), median(&mut unknown));
    eprintln!("sign-in medians: real name {real:?}, unknown name {unknown:?}");
    assert!(
        unknown * 4 >= real,
        "an unknown name answers in {unknown:?}, a real one in {real:?}"
    );
}

/// Tries as the attacker from `peer` every 5 s until one attempt is checked (the attacker's
/// delays allow one again); at most `tries`.
async fn attack_until_checked(b: &Bench, user: &str, peer: &str, tries: usize) {
    for _ in 0..tries {
        let before = b.verifications();
        b.login(user, "guess", direct(peer)).await;
        if b.verifications() > before {
            return;
        }
        b.advance(5);
    }
    panic!("{tries} attempts from {peer} and none was checked");
}

#[tokio::test]
async fn the_admin_signs_in_after_an_attackers_failures_within_the_account_delay() {
    let b = bench("", Delays::default()).await;
    session_for(&b.state, "admin", Role::Admin).await;
    let attacker = "203.0.113.66";
    // Ten minutes of hammering, one attempt every 5 s.
    for _ in 0..120 {
        b.login("admin", "guess", direct(attacker)).await;
        b.advance(5);
    }
    let checked = b.verifications();
    assert!(
        checked < 20,
        "the attacker's own delays let {checked} guesses through"
    );
    // Right after one of the attacker's guesses, from an address the admin never used.
    attack_until_checked(&b, "admin", attacker, 400).await;
    let before = b.verifications();
    let refused = b.login("admin", PASSWORD, direct("198.51.100.20")).await;
    let wait = retry(&refused).expect("the account's delay runs");
    assert!((1..=60).contains(&wait), "at most a minute: {refused}");
    assert_eq!(
        b.verifications(),
        before,
        "a refused attempt checks no password"
    );
    b.advance(wait);
    let location = b.login("admin", PASSWORD, direct("198.51.100.20")).await;
    assert!(signed_in(&location), "after {wait} s: {location}");
    // From there, now a known address, the account's delay no longer applies.
    attack_until_checked(&b, "admin", attacker, 400).await;
    let location = b.login("admin", PASSWORD, direct("198.51.100.20")).await;
    assert!(signed_in(&location), "known address: {location}");
}

#[tokio::test]
async fn an_address_that_fails_a_lot_is_delayed() {
    let b = bench("", Delays::default()).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    let sprayer = direct("203.0.113.9");
    for i in 0..20 {
        let location = b.login(&format!("user{i}"), "guess", sprayer).await;
        assert_eq!(retry(&location), None, "free failure {i}: {location}");
    }
    let location = b.login("user20", "guess", direct("203.0.113.9")).await;
    assert_eq!(retry(&location), Some(1), "{location}");
    // Waiting out each delay, the next ones grow.
    let mut wait = 0;
    for n in 21..60 {
        match retry(
            &b.login(&format!("user{n}"), "guess", direct("203.0.113.9"))
                .await,
        ) {
            Some(w) if w >= 60 => {
                wait = w;
                break;
            }
            Some(w) => b.advance(w),
            None => {}
        }
    }
    assert!((60..=900).contains(&wait), "the delay grew to {wait} s");
    // Nobody else is slowed down by that address.
    let location = b.login("alice", PASSWORD, direct("198.51.100.7")).await;
    assert!(signed_in(&location), "{location}");
}

#[tokio::test]
async fn a_refused_attempt_checks_no_password_and_counts_nothing() {
    let b = bench("", Delays::default()).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    let from = || direct("192.0.2.50");
    for _ in 0..3 {
        assert_eq!(retry(&b.login("alice", "wrong", from()).await), None);
    }
    let (checked, attempts) = (
        b.verifications(),
        b.count("SELECT COUNT(*) FROM login_attempts").await,
    );
    let audit = b.count("SELECT COUNT(*) FROM audit_log").await;
    for _ in 0..10 {
        let location = b.login("alice", PASSWORD, from()).await;
        assert_eq!(
            retry(&location),
            Some(1),
            "refused even with the right password: {location}"
        );
    }
    assert_eq!(b.verifications(), checked, "no password was checked");
    assert_eq!(
        b.count("SELECT COUNT(*) FROM login_attempts").await,
        attempts,
        "nothing recorded"
    );
    assert_eq!(
        b.count("SELECT COUNT(*) FROM audit_log").await,
        audit,
        "nothing audited"
    );
    // The refusals did not make the delay grow: one second later the password is checked.
    b.advance(1);
    assert!(signed_in(&b.login("alice", PASSWORD, from()).await));
    // The same answer for a name that does not exist.
    for _ in 0..3 {
        b.login("nobody", "wrong", direct("192.0.2.51")).await;
    }
    let unknown = b.login("nobody", "wrong", direct("192.0.2.51")).await;
    assert_eq!(unknown, "/login?error=wait&retry=1&next=/");
    // The page says when to retry.
    let (res, body) = super::support::get(&b.app, "/login?error=wait&retry=1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body.contains("try again in 1 s"), "{body}");
}

#[tokio::test]
async fn parallel_attempts_do_not_slip_past_the_delays() {
    let b = bench("", Delays::default()).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    let burst = (0..12).map(|_| b.login("alice", "guess", direct("203.0.113.5")));
    let answers = futures::future::join_all(burst).await;
    let refused = answers.iter().filter(|l| retry(l).is_some()).count();
    assert_eq!(b.verifications(), 3, "only the free failures are checked");
    assert_eq!(refused, 9, "{answers:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_address_cannot_keep_out_others() {
    let b = bench("10.0.0.0/8, fd00::/8", Delays::default()).await;
    session_for(&b.state, "alice", Role::Viewer).await;
    session_for(&b.state, "bob", Role::Viewer).await;
    let via_proxy = |client| From {
        peer: "10.0.0.2",
        forwarded: Some(client),
    };
    // The attacker adds a spoofed entry; the proxy appends the real address.
    for i in 0..60 {
        b.login(
            &format!("user{i}"),
            "guess",
            via_proxy("6.6.6.6, 203.0.113.50"),
        )
        .await;
        b.login("alice", "guess", via_proxy("203.0.113.50")).await;
    }
    let location = b
        .login("user0", "guess", via_proxy("1.1.1.1, 203.0.113.50"))
        .await;
    assert!(
        retry(&location).is_some(),
        "the attacker is delayed: {location}"
    );
    // A client that is not a trusted proxy cannot choose its address.
    let spoof = From {
        peer: "203.0.113.50",
        forwarded: Some("198.51.100.99"),
    };
    let location = b.login("user0", "guess", spoof).await;
    assert!(
        retry(&location).is_some(),
        "the header is ignored: {location}"
    );
    let location = b.login("bob", PASSWORD, via_proxy("198.51.100.7")).await;
    assert!(signed_in(&location), "another client: {location}");
    let location = b.login("alice", PASSWORD, via_proxy("2001:db8::7")).await;
    assert!(signed_in(&location), "alice from elsewhere: {location}");
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT address FROM login_attempts ORDER BY address")
            .fetch_all(b.state.store().pool())
            .await
            .expect("addresses");
    assert_eq!(addresses, ["198.51.100.7", "2001:db8::7", "203.0.113.50"]);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT address FROM audit_log WHERE action LIKE 'login.%' ORDER BY address",
    )
    .fetch_all(b.state.store().pool())
    .await
    .expect("audited addresses");
    assert_eq!(audited, addresses, "the audit trail names the same clients");
}

#[tokio::test]
async fn a_session_keeps_working_while_its_account_is_hammered() {
    let b = bench("", Delays::default()).await;
    let sid = session_for(&b.state, "alice", Role::Viewer).await;
    for _ in 0..30 {
        b.login("alice", "guess", direct("203.0.113.77")).await;
        b.advance(1);
    }
    let refused = b.login("alice", PASSWORD, direct("203.0.113.77")).await;
    assert!(
        retry(&refused).is_some(),
        "the account is being hammered: {refused}"
    );
    let req = Request::get("/account")
        .header(header::ACCEPT, "text/html")
        .header(
            header::COOKIE,
            format!("{}={sid}", ebb::server::auth::COOKIE),
        )
        .body(Body::empty())
        .expect("request");
    let (res, body) = send(&b.app, req).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    assert!(body.contains("alice"), "the page is alice's");
}
