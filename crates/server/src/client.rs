//! Who a request comes from: the connection's peer, or, when the peer is a proxy the
//! operator trusts (`--trusted-proxy`), the address that proxy says it forwarded for.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` header is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trusts the proxies in `networks`.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    /// Whether `peer`, which sent `X-Forwarded-For`, is probably a proxy of the operator's
    /// own (a private or loopback address) that is not trusted: then every client looks
    /// like that proxy.
    pub fn looks_like_untrusted_proxy(&self, peer: IpAddr) -> bool {
        let private = match canonical(peer) {
            IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
            IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
        };
        private && !self.trusts(peer)
    }

    /// The client a request from `peer` with `headers` comes from. `X-Forwarded-For` is
    /// read right to left, as each proxy appends the address it received from: the first
    /// address that is not a trusted proxy is the client. A header from an untrusted peer,
    /// or an entry that is not an address, ends the walk, since anyone can write one.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, as dual-stack sockets report it) is
/// the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().expect("a header value"));
        }
        headers
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec![
            "10.0.0.0/8".parse().expect("a network"),
            "127.0.0.1/32".parse().expect("a network"),
        ])
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            proxies().client(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &headers),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_address_that_is_not_a_proxy_is_the_client() {
        let headers = forwarded(&["1.2.3.4, 198.51.100.1", "10.1.1.1"]);
        assert_eq!(
            proxies().client(ip("10.0.0.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn garbage_ends_the_walk_at_the_last_trusted_hop() {
        let headers = forwarded(&["198.51.100.1, not-an-address, 10.1.1.1"]);
        assert_eq!(proxies().client(ip("10.0.0.1"), &headers), ip("10.1.1.1"));
        assert_eq!(
            proxies().client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn mapped_ipv4_peers_are_ipv4() {
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            proxies().client(ip("::ffff:127.0.0.1"), &headers),
            ip("198.51.100.1")
        );
    }
}
