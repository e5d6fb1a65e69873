//! Raw HTTP/1.1 over loopback TCP for the listener and lifecycle tests: what a slow, partial or
//! long-lived client sends, byte for byte, which an HTTP client library would never do.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A connection to `addr`.
pub async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect to ebb")
}

/// Writes `bytes` as they are.
pub async fn send(s: &mut TcpStream, bytes: &str) {
    s.write_all(bytes.as_bytes()).await.expect("write");
}

/// A complete `GET path` with keep-alive, carrying `cookie` when given.
pub fn get_request(path: &str, cookie: Option<&str>) -> String {
    let cookie = cookie
        .map(|c| format!("Cookie: {}={c}\r\n", ebb::server::auth::COOKIE))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{cookie}\r\n")
}

/// The head of a form `POST path` announcing `length` body bytes, from this site.
pub fn post_head(path: &str, host: &str, cookie: Option<&str>, length: usize) -> String {
    let cookie = cookie
        .map(|c| format!("Cookie: {}={c}\r\n", ebb::server::auth::COOKIE))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n{cookie}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// A response as read off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The head, header names as sent (hyper sends them in lower case).
    pub head: String,
    /// The body when it had a `content-length`; otherwise what arrived with the head.
    pub body: String,
}

impl Response {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.eq_ignore_ascii_case(name)).then_some(v.trim())
        })
    }
}

/// Reads one response within `within`; `None` when the connection closed or nothing complete
/// arrived in time.
pub async fn read_response(s: &mut TcpStream, within: Duration) -> Option<Response> {
    timeout(within, async {
        let mut buf = Vec::new();
        let end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            read_more(s, &mut buf).await?;
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let status = head.split(' ').nth(1)?.parse().ok()?;
        let mut res = Response {
            status,
            head,
            body: String::new(),
        };
        let length = res
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok());
        if let Some(length) = length {
            while buf.len() < end + length {
                read_more(s, &mut buf).await?;
            }
            res.body = String::from_utf8_lossy(&buf[end..end + length]).into_owned();
        } else {
            res.body = String::from_utf8_lossy(&buf[end..]).into_owned();
        }
        Some(res)
    })
    .await
    .ok()
    .flatten()
}

/// Reads until the text received contains `needle`; false when the connection closed or time
/// ran out first.
pub async fn read_until(s: &mut TcpStream, needle: &str, within: Duration) -> bool {
    let mut buf = Vec::new();
    timeout(within, async {
        while find(&buf, needle.as_bytes()).is_none() {
            read_more(s, &mut buf).await?;
        }
        Some(())
    })
    .await
    .ok()
    .flatten()
    .is_some()
}

/// True when the server closes the connection within `within` (whatever it sends first).
pub async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = Vec::new();
    timeout(within, async {
        while read_more(s, &mut buf).await.is_some() {}
    })
    .await
    .is_ok()
}

/// Reads one chunk into `buf`; `None` on end of stream or a reset.
async fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 4096];
    match s.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
