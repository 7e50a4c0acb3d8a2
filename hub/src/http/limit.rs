//! Wrong enrollment codes from one address are limited: codes are short
//! enough to type, so guessing must stay slow. After `MAX_FAILURES` wrong
//! codes within `WINDOW`, that address is answered 429 until the window
//! passes; a right code clears its count. The address is the TCP peer's
//! (behind a reverse proxy, put the limit there too).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

#[derive(Default)]
pub struct EnrollLimiter {
    failures: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

impl EnrollLimiter {
    /// Whether this address may try a code now.
    pub fn allowed(&self, ip: Option<IpAddr>, now: Instant) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return true;
        };
        // Forget windows that have passed, so the map stays small.
        map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        map.get(&ip).is_none_or(|(n, _)| *n < MAX_FAILURES)
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

/// The peer's address when the server knows it (`into_make_service_with_connect_info`).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
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
}
