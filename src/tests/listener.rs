//! The HTTP listener over real loopback TCP, with the full router and short limits: an
//! unfinished request head is cut at the header timeout while other clients are served; beyond
//! `max_connections` a connection waits until one closes; live streams outlast both timeouts;
//! handlers see the client's address; shutdown finishes requests in flight and cuts the rest at
//! the drain time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ebb::model::auth::Role;
use ebb::server::listen::Limits;
use ebb::server::state::AppState;
use tokio::task::JoinHandle;

use super::support::{session_for, state};
use super::wire::{
    closed_within, connect, get_request, post_head, read_response, read_until, send,
};

const LIMITS: Limits = Limits {
    header_read_timeout: Duration::from_secs(10),
    max_connections: 1000,
    drain: Duration::from_secs(3),
};

/// The real router behind the real listener on a free loopback port.
struct Served {
    addr: SocketAddr,
    state: AppState,
    task: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn serve(limits: Limits, request_timeout: Duration) -> Served {
    let (state, dir) = state().await;
    let app = ebb::server::http::router(state.clone(), request_timeout);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut stopping = state.stopping();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let task = tokio::spawn(ebb::server::listen::serve(listener, app, limits, stopped));
    Served {
        addr,
        state,
        task,
        _dir: dir,
    }
}

#[tokio::test]
async fn an_unfinished_request_head_is_closed_at_the_header_timeout() {
    let timeout = Duration::from_millis(600);
    let limits = Limits {
        header_read_timeout: timeout,
        ..LIMITS
    };
    let s = serve(limits, Duration::from_secs(10)).await;
    let mut slow = connect(s.addr).await;
    let started = Instant::now();
    send(
        &mut slow,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
    )
    .await;
    // Meanwhile another client is served, twice on one keep-alive connection.
    let mut other = connect(s.addr).await;
    for _ in 0..2 {
        send(&mut other, &get_request("/healthz", None)).await;
        let res = read_response(&mut other, Duration::from_secs(5))
            .await
            .expect("the other client is answered");
        assert_eq!((res.status, res.body.as_str()), (200, "ok\n"));
    }
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)).await,
        "a half-sent request head still holds its connection"
    );
    let held = started.elapsed();
    assert!(
        held >= timeout.mul_f32(0.8) && held < timeout * 3,
        "closed after {held:?}, want about {timeout:?}"
    );
}

#[tokio::test]
async fn beyond_max_connections_a_client_waits_until_one_closes() {
    let limits = Limits {
        max_connections: 2,
        ..LIMITS
    };
    let s = serve(limits, Duration::from_secs(10)).await;
    let first = connect(s.addr).await;
    let mut second = connect(s.addr).await;
    send(&mut second, &get_request("/healthz", None)).await;
    let res = read_response(&mut second, Duration::from_secs(5)).await;
    assert_eq!(res.map(|r| r.status), Some(200), "the second is served");
    let mut third = connect(s.addr).await;
    send(&mut third, &get_request("/healthz", None)).await;
    assert!(
        read_response(&mut third, Duration::from_millis(700))
            .await
            .is_none(),
        "a third connection is served while two are open"
    );
    drop(first);
    let res = read_response(&mut third, Duration::from_secs(5)).await;
    assert_eq!(
        res.map(|r| r.status),
        Some(200),
        "the third is served once one closed"
    );
}

#[tokio::test]
async fn a_live_stream_outlasts_the_header_and_request_timeouts() {
    let short = Duration::from_millis(300);
    let limits = Limits {
        header_read_timeout: short,
        ..LIMITS
    };
    let s = serve(limits, short).await;
    let sid = session_for(&s.state, "watcher", Role::Viewer).await;
    let mut live = connect(s.addr).await;
    send(&mut live, &get_request("/api/live", Some(&sid))).await;
    assert!(read_until(&mut live, "event: hello", Duration::from_secs(5)).await);
    assert!(
        !closed_within(&mut live, short * 4).await,
        "the live stream was cut by a timeout"
    );
    // The header timeout still closes an idle connection of the same server.
    let mut idle = connect(s.addr).await;
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let s = serve(LIMITS, Duration::from_secs(10)).await;
    session_for(&s.state, "alice", Role::Viewer).await;
    let body = "username=alice&password=test+password+123";
    let mut c = connect(s.addr).await;
    let host = s.addr.to_string();
    send(&mut c, &post_head("/login", &host, None, body.len())).await;
    send(&mut c, body).await;
    let res = read_response(&mut c, Duration::from_secs(10))
        .await
        .expect("sign-in answered");
    assert!(res.header("set-cookie").is_some(), "{res:?}");
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT address FROM audit_log WHERE action LIKE 'login%'")
            .fetch_all(s.state.store().pool())
            .await
            .expect("audit");
    assert_eq!(addresses, ["127.0.0.1"], "the audit names the client");
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_cuts_the_rest_at_the_drain_time() {
    let drain = Duration::from_millis(1500);
    let s = serve(Limits { drain, ..LIMITS }, Duration::from_secs(30)).await;
    let sid = session_for(&s.state, "alice", Role::Viewer).await;
    let host = s.addr.to_string();
    // A sign-out whose body is still on its way, one whose body never comes, an idle
    // keep-alive connection, and a live stream.
    let mut finishing = connect(s.addr).await;
    send(&mut finishing, &post_head("/logout", &host, Some(&sid), 3)).await;
    send(&mut finishing, "a=").await;
    let mut stuck = connect(s.addr).await;
    send(&mut stuck, &post_head("/logout", &host, Some(&sid), 100)).await;
    send(&mut stuck, "a=").await;
    let mut idle = connect(s.addr).await;
    send(&mut idle, &get_request("/healthz", None)).await;
    assert!(read_response(&mut idle, Duration::from_secs(5))
        .await
        .is_some());
    let mut live = connect(s.addr).await;
    send(&mut live, &get_request("/api/live", Some(&sid))).await;
    assert!(read_until(&mut live, "event: hello", Duration::from_secs(5)).await);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopped_at = Instant::now();
    s.state.stop();
    assert!(
        closed_within(&mut idle, Duration::from_millis(500)).await,
        "idle kept"
    );
    assert!(
        closed_within(&mut live, Duration::from_millis(500)).await,
        "stream kept"
    );
    send(&mut finishing, "b").await;
    let res = read_response(&mut finishing, Duration::from_secs(1)).await;
    assert_eq!(
        res.map(|r| r.status),
        Some(303),
        "the request in flight finishes"
    );
    tokio::time::timeout(drain + Duration::from_secs(1), s.task)
        .await
        .expect("the listener returns at the drain time")
        .expect("no panic");
    let took = stopped_at.elapsed();
    assert!(
        took >= drain.mul_f32(0.9),
        "cut before the drain time: {took:?}"
    );
    assert!(closed_within(&mut stuck, Duration::from_millis(200)).await);
    assert!(
        tokio::net::TcpStream::connect(s.addr).await.is_err(),
        "still accepting after shutdown"
    );
}
