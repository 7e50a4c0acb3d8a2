//! Wrong enrollment codes from one address are limited: codes are short
//! enough to type, so guessing must stay slow. After `MAX_FAILURES` wrong
//! codes within `WINDOW`, that address is answered 429 until the window
//! passes; a right code clears its count. The address is the TCP peer's,
//! or behind a load balancer named trusted (`--trusted-proxy`), the one it
//! says it forwarded for (`X-Forwarded-For`). Each replica counts on its
//! own: N replicas let an address try N × `MAX_FAILURES` codes a window,
//! still hopeless against 31⁸ codes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Wrong logins (dashboard and members' phones alike) from one address in
/// `LOGIN_WINDOW` before it is answered 429: enough for the youths of a
/// center behind one address to mistype, hopeless for guessing.
pub const LOGIN_MAX_FAILURES: u32 = 30;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Joins from one address in an hour before it is answered 429.
pub const JOINS_PER_ADDRESS: u32 = 30;

/// Counts failures per address within a window; at the limit the address
/// waits until the window that began with its first failure passes.
pub struct FailureLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

/// Wrong enrollment codes per address.
pub type EnrollLimiter = FailureLimiter;

impl Default for FailureLimiter {
    fn default() -> Self {
        FailureLimiter::new(MAX_FAILURES, WINDOW)
    }
}

impl FailureLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        FailureLimiter {
            max,
            window,
            failures: Mutex::default(),
        }
    }

    /// For wrong logins: [`LOGIN_MAX_FAILURES`] within [`LOGIN_WINDOW`].
    pub fn logins() -> Self {
        FailureLimiter::new(LOGIN_MAX_FAILURES, LOGIN_WINDOW)
    }

    /// For youths joining from their phones: [`JOINS_PER_ADDRESS`] within
    /// an hour (a center's youths often share its one address).
    pub fn joins() -> Self {
        FailureLimiter::new(JOINS_PER_ADDRESS, Duration::from_secs(3600))
    }

    /// Whether this address may try a code now.
    pub fn allowed(&self, ip: Option<IpAddr>, now: Instant) -> bool {
        self.wait(ip, now).is_none()
    }

    /// How long this address must wait before it may try again, if it must.
    pub fn wait(&self, ip: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let Ok(mut map) = self.failures.lock() else {
            return None;
        };
        // Forget windows that have passed, so the map stays small.
        let window = self.window;
        map.retain(|_, (_, since)| now.duration_since(*since) < window);
        map.get(&ip)
            .filter(|(n, _)| *n >= self.max)
            .map(|(_, since)| window.saturating_sub(now.duration_since(*since)))
    }

    pub fn failed(&self, ip: Option<IpAddr>, now: Instant) {
        if let Ok(mut map) = self.failures.lock() {
            let entry = map.entry(ip).or_insert((0, now));
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, ip: Option<IpAddr>) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&ip);
        }
    }
}

/// An address or a network (`10.0.0.7`, `172.16.0.0/12`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("{s:?} is not an address or a network such as 172.16.0.0/12");
        let (ip, bits) = match s.trim().split_once('/') {
            Some((ip, bits)) => (ip, Some(bits.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let net: IpAddr = ip.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return Err(bad());
        }
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let prefix = |a: u128, b: u128, width: u8| {
            let shift = width - self.bits;
            shift >= width || (a >> shift) == (b >> shift)
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => prefix(u32::from(n).into(), u32::from(i).into(), 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => prefix(u128::from(n), u128::from(i), 128),
            (IpAddr::V4(n), IpAddr::V6(i)) => i
                .to_ipv4_mapped()
                .is_some_and(|i| prefix(u32::from(n).into(), u32::from(i).into(), 32)),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// The load balancers whose `X-Forwarded-For` the hub believes.
#[derive(Debug, Default, Clone)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy;
    /// then the right-most forwarded address that is not one (what a client
    /// writes into the header itself stands to the left and is not believed).
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let Some(header) = forwarded_for else {
            return Some(peer);
        };
        for hop in header.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if self.trusts(ip) => continue,
                Ok(ip) => return Some(ip),
                Err(_) => return Some(peer),
            }
        }
        Some(peer)
    }
}

/// The client's address when the server knows it (`into_make_service_with_connect_info`).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<super::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(state.proxies.client(peer, forwarded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_wrong_codes_close_an_address_for_the_window_and_others_stay_open() {
        let l = EnrollLimiter::default();
        let (a, b) = (
            Some("10.0.0.1".parse().expect("ip")),
            Some("10.0.0.2".parse().expect("ip")),
        );
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(l.allowed(a, t0));
            l.failed(a, t0);
        }
        assert!(!l.allowed(a, t0 + Duration::from_secs(60)));
        assert!(l.allowed(b, t0), "another address is not affected");
        assert!(
            l.allowed(a, t0 + WINDOW),
            "open again once the window has passed"
        );
        l.failed(b, t0);
        l.succeeded(b);
        assert!(l.allowed(b, t0));
    }

    #[test]
    fn behind_a_trusted_balancer_the_forwarded_client_counts_and_nobody_else_is_believed() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let proxies = TrustedProxies(vec![
            "172.16.0.0/12".parse().expect("cidr"),
            "10.0.0.7".parse().expect("ip"),
        ]);
        // Straight from a client: the header is the client's own words.
        assert_eq!(
            proxies.client(Some(ip("203.0.113.9")), Some("198.51.100.1")),
            Some(ip("203.0.113.9"))
        );
        // Through the balancer: the address it appended.
        assert_eq!(
            proxies.client(Some(ip("172.18.0.5")), Some("198.51.100.1, 203.0.113.9")),
            Some(ip("203.0.113.9"))
        );
        // Through two trusted hops.
        assert_eq!(
            proxies.client(Some(ip("10.0.0.7")), Some("203.0.113.9, 172.18.0.5")),
            Some(ip("203.0.113.9"))
        );
        // A trusted peer that forwards nothing readable is itself the client.
        assert_eq!(
            proxies.client(Some(ip("10.0.0.7")), None),
            Some(ip("10.0.0.7"))
        );
        assert_eq!(
            proxies.client(Some(ip("10.0.0.7")), Some("garbage")),
            Some(ip("10.0.0.7"))
        );
        assert!(
            !"10.0.0.8"
                .parse::<Cidr>()
                .expect("ip")
                .contains(ip("10.0.0.7"))
        );
        assert!(
            "::/0"
                .parse::<Cidr>()
                .expect("all v6")
                .contains(ip("fd00::1"))
        );
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .expect("all v4")
                .contains(ip("::ffff:1.2.3.4"))
        );
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
