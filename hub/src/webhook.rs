//! Pushing changed days to the platforms above the hub (webhooks).
//!
//! Every upload marks the center-days it changed (in the same transaction
//! as the daily roll-up). `hub serve` turns them into deliveries every
//! `HUB_WEBHOOK_SECONDS` (default 30) for each active platform with a
//! webhook, its own centers only, kept in the database until accepted: a
//! restart loses none. A delivery is a POST of JSON
//! `{"kind": "attendance", "items": [...]}` (the rows of the pull API) with
//!
//! - `X-Youth-Delivery`: the delivery's id, the same on every retry (a
//!   receiver that answered but whose answer was lost sees it again);
//! - `X-Youth-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 with the
//!   platform's webhook secret over `<t>.<body>`.
//!
//! Anything but a 2xx answer is tried again after 1, 2, 4 … minutes
//! (`HUB_WEBHOOK_RETRY_SECONDS`, default 60), at most an hour apart.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::worker::StoreWorker;

/// `v1` of the signature header: hex HMAC-SHA256 over `<t>.<body>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(format!("{t}.{body}").as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

fn seconds_from_env(name: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
            .max(1),
    )
}

/// The wait before the next try after `attempts` failed ones.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(1u32 << attempts.min(16))
        .min(Duration::from_secs(3600))
}

/// Makes aws-lc rustls's crypto provider for this process (once), before
/// any HTTP client: reqwest is built without one of its own, so TLS uses
/// the crypto library tough's signatures already need (not ring beside it).
pub fn tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err: another part of the process installed one first; it is used.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

/// The longest one try of a delivery may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs for as long as the server does.
pub async fn deliver_forever(store: StoreWorker) {
    let every = seconds_from_env("HUB_WEBHOOK_SECONDS", 30);
    let base = seconds_from_env("HUB_WEBHOOK_RETRY_SECONDS", 60);
    tls_provider();
    let client = match reqwest::Client::builder().timeout(TRY_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks are off: {e}");
            return;
        }
    };
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = round(&store, &client, base).await {
            tracing::warn!("webhooks: {e:#}");
        }
    }
}

async fn round(
    store: &StoreWorker,
    client: &reqwest::Client,
    base: Duration,
) -> anyhow::Result<()> {
    let now = crate::store::now_ms();
    let queued = store.call(move |s| s.queue_webhooks(now)).await??;
    if queued > 0 {
        tracing::info!(queued, "webhook deliveries queued");
    }
    let due = store.call(move |s| s.due_webhooks(now, 100)).await??;
    for d in due {
        // Replicas share the queue: each delivery is sent by whichever
        // claims it, for as long as one try may take.
        let (id, now) = (d.id, crate::store::now_ms());
        let lease_until = now + 6 * i64::try_from(TRY_TIMEOUT.as_millis()).unwrap_or(i64::MAX);
        if !store
            .call(move |s| s.claim_webhook(id, now, lease_until))
            .await??
        {
            continue;
        }
        let t = crate::store::now_ms() / 1000;
        let sent = client
            .post(&d.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Youth-Delivery", d.id.to_string())
            .header(
                "X-Youth-Signature",
                format!("t={t},v1={}", signature(&d.secret, t, &d.body)),
            )
            .body(d.body.clone())
            .send()
            .await;
        let outcome = match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status())),
            Err(e) => Err(e.to_string()),
        };
        let now = crate::store::now_ms();
        let attempts = d.attempts;
        let id = d.id;
        let outcome = outcome.map_err(|e| {
            let wait = backoff(base, attempts);
            tracing::warn!(
                delivery = id,
                attempts = attempts + 1,
                "webhook refused: {e}; again in {wait:?}"
            );
            (e, now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
        });
        store
            .call(move |s| s.webhook_result(id, now, outcome))
            .await??;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_time_and_body_and_retries_back_off_to_an_hour() {
        // The HMAC itself: RFC 4231, test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The signature covers `<t>.<body>`, so neither can be swapped.
        assert_ne!(signature("k", 7, "{}"), signature("k", 8, "{}"));
        assert_eq!(signature("k", 7, "{}"), {
            let mut m = Hmac::<Sha256>::new_from_slice(b"k").expect("key");
            m.update(b"7.{}");
            data_encoding::HEXLOWER.encode(&m.finalize().into_bytes())
        });
        let base = Duration::from_secs(60);
        assert_eq!(backoff(base, 0), Duration::from_secs(60));
        assert_eq!(backoff(base, 3), Duration::from_secs(480));
        assert_eq!(backoff(base, 30), Duration::from_secs(3600));
    }
}
