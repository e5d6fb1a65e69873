//! This site's own origin (scheme, host and port), against which the gate checks where a
//! browser's write came from: `--public-url` when set, otherwise the request's `Host` with
//! `http`, or `https` when a trusted proxy says so in `X-Forwarded-Proto`. Also whether the
//! site is served over HTTPS (the cookie's `Secure`, HSTS). Nothing here believes a forwarded
//! header from a client that is not a trusted proxy.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::{header, HeaderMap};

use super::proxies::TrustedProxies;

/// `--public-url`: the address users reach ebb at, as `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    https: bool,
    /// `host[:port]` in lower case, the port left out when it is the scheme's default.
    authority: String,
}

impl PublicUrl {
    /// The origin as browsers send it in `Origin`.
    pub fn origin(&self) -> String {
        format!("{}://{}", scheme(self.https), self.authority)
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// True for an `https://` URL.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

fn scheme(https: bool) -> &'static str {
    if https {
        "https"
    } else {
        "http"
    }
}

/// `host[:port]` in lower case without the scheme's default port; `None` when empty or when
/// it carries anything but a host name, an IPv4 address or a bracketed IPv6 address and a port.
fn authority(text: &str, https: bool) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        std::net::Ipv6Addr::from_str(inside).ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{inside}]"), port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (text.clone(), None),
        }
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    if !host_ok {
        return None;
    }
    match port {
        None => Some(host),
        Some(p) => {
            let n: u16 = p.parse().ok().filter(|n| *n > 0)?;
            let default = if https { 443 } else { 80 };
            Some(if n == default {
                host
            } else {
                format!("{host}:{n}")
            })
        }
    }
}

impl FromStr for PublicUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (https, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!(
                "'{s}' must start with https:// or http:// (e.g. https://ebb.example.com)"
            ));
        };
        let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
        if !path.is_empty() {
            return Err(format!(
                "'{s}' has a path; ebb is served at the root of its host, so give only scheme, host and port"
            ));
        }
        if auth.contains('@') || auth.contains('?') || auth.contains('#') {
            return Err(format!("'{s}' may hold only scheme, host and port"));
        }
        let authority = authority(auth, https).ok_or_else(|| {
            format!("'{s}' does not name a host (and port) ebb can be reached at")
        })?;
        Ok(PublicUrl { https, authority })
    }
}

/// Where this request says the site is, as the gate works it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `scheme://host[:port]`; empty when the request named no usable host.
    pub origin: String,
    /// Served over HTTPS (by `--public-url`, or a trusted proxy's `X-Forwarded-Proto`).
    pub https: bool,
}

impl Site {
    /// This site for a request from `peer` with `headers`.
    pub fn of(
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        trusted: &TrustedProxies,
        public: Option<&PublicUrl>,
    ) -> Site {
        if let Some(p) = public {
            return Site {
                origin: p.origin(),
                https: p.is_https(),
            };
        }
        let via_proxy = peer.is_some_and(|ip| trusted.contains(ip.to_canonical()));
        let https = via_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        let origin = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| authority(h, https))
            .map(|a| format!("{}://{a}", scheme(https)))
            .unwrap_or_default();
        Site { origin, https }
    }

    /// True when a browser's state-changing request came from this site: its `Origin` is
    /// exactly this site's (scheme, host and port), or, without `Origin`, `Sec-Fetch-Site`
    /// says same-origin or a typed address. No evidence at all is refused.
    pub fn sent_from_here(&self, headers: &HeaderMap) -> bool {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let Some((scheme_text, rest)) = origin.split_once("://") else {
                return false;
            };
            let https = match scheme_text.to_ascii_lowercase().as_str() {
                "https" => true,
                "http" => false,
                _ => return false,
            };
            let Some(auth) = authority(rest, https) else {
                return false;
            };
            return !self.origin.is_empty() && format!("{}://{auth}", scheme(https)) == self.origin;
        }
        matches!(
            headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
            Some("same-origin") | Some("none")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn public_urls() {
        let ok: &[(&str, &str, bool)] = &[
            ("https://ebb.example.com", "https://ebb.example.com", true),
            (
                "https://EBB.example.com:443/",
                "https://ebb.example.com",
                true,
            ),
            ("http://10.0.0.5:3000", "http://10.0.0.5:3000", false),
            ("http://[::1]:8080", "http://[::1]:8080", false),
        ];
        for (text, origin, https) in ok {
            let u: PublicUrl = text.parse().expect(text);
            assert_eq!(
                (u.origin().as_str(), u.is_https()),
                (*origin, *https),
                "{text}"
            );
        }
        assert_eq!(
            "https://e.example"
                .parse::<PublicUrl>()
                .expect("url")
                .link("/history"),
            "https://e.example/history"
        );
        let bad: &[(&str, &str)] = &[
            ("ebb.example.com", "must start with https://"),
            ("ftp://ebb.example.com", "must start with https://"),
            ("https://ebb.example.com/ebb", "has a path"),
            ("https://user@ebb.example.com", "only scheme, host and port"),
            ("https://", "does not name a host"),
            ("https://ebb.example.com:0", "does not name a host"),
            ("https://ebb.example.com:99999", "does not name a host"),
            ("https://ebb example.com", "does not name a host"),
        ];
        for (text, want) in bad {
            let err = text.parse::<PublicUrl>().expect_err(text);
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn the_origin_must_match_in_scheme_host_and_port() {
        let none = TrustedProxies::default();
        let site = Site::of(&headers(&[("host", "127.0.0.1:3000")]), None, &none, None);
        assert_eq!(site.origin, "http://127.0.0.1:3000");
        let from = |o: &str| site.sent_from_here(&headers(&[("origin", o)]));
        assert!(from("http://127.0.0.1:3000"));
        assert!(
            !from("https://127.0.0.1:3000"),
            "another scheme is another origin"
        );
        assert!(!from("http://127.0.0.1:3001"));
        assert!(!from("http://evil.example"));
        assert!(!from("null"));
        assert!(!site.sent_from_here(&HeaderMap::new()), "no evidence");
        assert!(site.sent_from_here(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!site.sent_from_here(&headers(&[("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn the_public_url_wins_over_a_host_header_an_attacker_chose() {
        let public: PublicUrl = "https://ebb.example.com".parse().expect("url");
        let h = headers(&[("host", "evil.example")]);
        let site = Site::of(&h, None, &TrustedProxies::default(), Some(&public));
        assert!(site.https);
        assert!(!site.sent_from_here(&headers(&[("origin", "http://evil.example")])));
        assert!(!site.sent_from_here(&headers(&[("origin", "http://ebb.example.com")])));
        assert!(site.sent_from_here(&headers(&[("origin", "https://ebb.example.com")])));
    }

    #[test]
    fn forwarded_proto_is_believed_only_from_a_trusted_proxy() {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().expect("cidr");
        let h = headers(&[("host", "ebb.example.com"), ("x-forwarded-proto", "https")]);
        let proxy = Site::of(&h, Some([10, 0, 0, 2].into()), &trusted, None);
        assert!(proxy.https);
        assert_eq!(proxy.origin, "https://ebb.example.com");
        let stranger = Site::of(&h, Some([192, 0, 2, 9].into()), &trusted, None);
        assert!(!stranger.https);
        assert_eq!(stranger.origin, "http://ebb.example.com");
    }
}
