//! Who the client is: the TCP peer, or, only when that peer is one of the operator's trusted
//! reverse proxies (`--trusted-proxies`), the right-most `X-Forwarded-For` entry that is not
//! itself a trusted proxy. Anyone can write `X-Forwarded-For`; only the entries our own
//! proxies appended (the right end of the chain) are believed, so a client cannot pick its
//! address and slip past the sign-in delays or forge the audit trail.

use std::net::IpAddr;
use std::str::FromStr;

/// One CIDR block (`10.0.0.0/8`, `fd00::/8`; a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// True when `ip` lies inside the block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("'{s}' is not an address or CIDR block; use e.g. 10.0.0.0/8 or fd00::/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Cidr { network, prefix })
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed; empty (the default) believes none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// True when `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// True when no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of CIDR blocks; the empty string trusts nobody.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

/// One `X-Forwarded-For` entry: a bare address, or with a port (`1.2.3.4:5`, `[::1]:5`) as
/// some proxies write it.
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = IpAddr::from_str(entry) {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return IpAddr::from_str(inside).ok().map(|ip| ip.to_canonical());
    }
    let (host, port) = entry.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    std::net::Ipv4Addr::from_str(host).ok().map(IpAddr::V4)
}

/// The client's address as text: `peer` itself unless it is a trusted proxy; then, reading the
/// `X-Forwarded-For` values (`forwarded`, in header order) from the right, the first address
/// that is not a trusted proxy. An unreadable entry ends the walk: the nearest trusted hop
/// to its right is taken, since nothing left of it can be believed. "unknown" without a peer.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> String {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return "unknown".into();
    };
    if !trusted.contains(peer) {
        return peer.to_string();
    }
    let entries: Vec<&str> = forwarded.into_iter().flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match forwarded_ip(entry) {
            Some(ip) if trusted.contains(ip) => client = ip,
            Some(ip) => return ip.to_string(),
            None => break,
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(IpAddr::from_str(s).expect("test address"))
    }

    #[test]
    fn trusted_proxy_lists() {
        let cases: &[(&str, &str, Result<usize, &str>)] = &[
            ("empty trusts nobody", "", Ok(0)),
            ("one block", "10.0.0.0/8", Ok(1)),
            (
                "blocks, spaces, v6, bare host",
                " 10.0.0.0/8, fd00::/8 ,127.0.0.1,",
                Ok(3),
            ),
            (
                "prefix too long",
                "10.0.0.0/33",
                Err("'10.0.0.0/33' is not"),
            ),
            ("v6 prefix too long", "::1/129", Err("'::1/129'")),
            ("not an address", "proxy.local", Err("'proxy.local'")),
            ("garbage prefix", "10.0.0.0/x", Err("'10.0.0.0/x'")),
        ];
        for (name, input, want) in cases {
            match (TrustedProxies::from_str(input), want) {
                (Ok(got), Ok(n)) => assert_eq!(got.0.len(), *n, "{name}"),
                (Err(got), Err(w)) => assert!(got.contains(w), "{name}: {got}"),
                (got, _) => panic!("{name}: got {got:?}"),
            }
        }
        let t = TrustedProxies::from_str("10.1.2.3/8, fd00::/8").expect("list");
        assert!(
            t.contains(IpAddr::from_str("10.200.0.1").expect("ip")),
            "host bits ignored"
        );
        assert!(
            t.contains(IpAddr::from_str("::ffff:10.0.0.1").expect("ip")),
            "v4-mapped"
        );
        assert!(t.contains(IpAddr::from_str("fd12::1").expect("ip")));
        assert!(!t.contains(IpAddr::from_str("11.0.0.1").expect("ip")));
        assert!(!t.contains(IpAddr::from_str("fe80::1").expect("ip")));
        let all = TrustedProxies::from_str("0.0.0.0/0").expect("list");
        assert!(
            all.contains(IpAddr::from_str("8.8.8.8").expect("ip")),
            "a /0 block"
        );
    }

    /// (name, TCP peer, `X-Forwarded-For` headers, trusted proxies, client address)
    type Case<'a> = (
        &'a str,
        Option<IpAddr>,
        &'a [&'a str],
        &'a TrustedProxies,
        &'a str,
    );

    #[test]
    fn client_address_from_forwarded_for() {
        let trusted = TrustedProxies::from_str("10.0.0.0/8, fd00::/8").expect("list");
        let none = TrustedProxies::default();
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("no peer", None, &["1.2.3.4"], &trusted, "unknown"),
            ("no proxies trusted: header ignored", ip("10.0.0.1"), &["1.2.3.4"], &none, "10.0.0.1"),
            ("spoofed header from an untrusted peer", ip("203.0.113.9"), &["1.2.3.4"], &trusted, "203.0.113.9"),
            ("trusted peer, one client", ip("10.0.0.1"), &["198.51.100.7"], &trusted, "198.51.100.7"),
            ("client-supplied entries left of the real one", ip("10.0.0.1"), &["6.6.6.6, 198.51.100.7"], &trusted, "198.51.100.7"),
            ("chain of trusted proxies", ip("10.0.0.1"), &["198.51.100.7, 10.2.0.1, 10.3.0.1"], &trusted, "198.51.100.7"),
            ("chain over several headers", ip("10.0.0.1"), &["6.6.6.6", "198.51.100.7, 10.2.0.1"], &trusted, "198.51.100.7"),
            ("IPv6 client behind an IPv6 proxy", ip("fd00::1"), &["2001:db8::5"], &trusted, "2001:db8::5"),
            ("IPv6 client with port", ip("fd00::1"), &["[2001:db8::5]:4711"], &trusted, "2001:db8::5"),
            ("IPv4 client with port", ip("10.0.0.1"), &["198.51.100.7:4711"], &trusted, "198.51.100.7"),
            ("v4-mapped peer counts as IPv4", ip("::ffff:10.0.0.1"), &["198.51.100.7"], &trusted, "198.51.100.7"),
            ("no header: the proxy itself", ip("10.0.0.1"), &[], &trusted, "10.0.0.1"),
            ("garbage: the nearest trusted hop", ip("10.0.0.1"), &["1.2.3.4, garbage, 10.2.0.1"], &trusted, "10.2.0.1"),
            ("garbage right after the peer", ip("10.0.0.1"), &["<script>"], &trusted, "10.0.0.1"),
            ("empty entry is garbage", ip("10.0.0.1"), &["1.2.3.4, "], &trusted, "10.0.0.1"),
            ("only trusted hops: the left-most", ip("10.0.0.1"), &["10.9.0.1, 10.2.0.1"], &trusted, "10.9.0.1"),
        ];
        for (name, peer, headers, proxies, want) in cases {
            let got = client_address(*peer, headers.iter().copied(), proxies);
            assert_eq!(got, *want, "{name}");
        }
    }
}
