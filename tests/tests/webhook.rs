//! Webhooks to a platform above the hub: a real HTTP receiver on
//! 127.0.0.1 that refuses the first deliveries; the hub keeps trying with
//! the same delivery id until one is accepted, and every try is signed
//! with the platform's secret over the exact body.

use std::time::{Duration, Instant};

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, run, stdout, webhook_receiver as receiver};
use hmac::{Hmac, Mac};

#[test]
fn changed_days_are_pushed_signed_and_retried_until_the_platform_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let other = hub(&["center", "add", "--name", "西湖区青年中心"]);
    let (url, hits) = receiver(2);
    let out = hub(&[
        "integration",
        "add",
        "--name",
        "省级平台",
        "--scope",
        &format!("center:{center}"),
        "--webhook",
        &url,
    ]);
    let secret = out.lines().nth(1).expect("the webhook secret").to_string();
    assert!(secret.starts_with("whsec_"), "{out}");
    // A webhook must be a web address.
    let bad = hub_cmd(&hub_data)
        .args([
            "integration",
            "add",
            "--name",
            "x",
            "--scope",
            &format!("center:{center}"),
            "--webhook",
            "ftp://x",
        ])
        .output()
        .expect("add");
    assert!(!bad.status.success());
    let server = Hub::start_env(
        &hub_data,
        "127.0.0.1:0",
        std::process::Stdio::null(),
        "warn",
        &[
            ("HUB_WEBHOOK_SECONDS", "1"),
            ("HUB_WEBHOOK_RETRY_SECONDS", "1"),
        ],
    );
    for (k, c) in [(&kiosk, &center), (&dir.path().join("other"), &other)] {
        let code = hub(&["enroll-code", "--center", c]);
        run(kiosk_cmd(k).args(["enroll", "--hub", &server.url, "--code", &code]));
    }
    let scans = [
        "visitor from18_to24 sports",
        "visitor under14 leisure",
        "visitor over35 employment",
    ];
    assert_eq!(headless(&kiosk, &scans, &[]).len(), 3);
    assert_eq!(
        headless(&dir.path().join("other"), &scans[..1], &[]).len(),
        1
    );

    // Refused twice, then accepted: three tries of one delivery.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !hits.lock().expect("lock").iter().any(|h| h.answered == 200) {
        assert!(
            Instant::now() < deadline,
            "no delivery accepted within a minute"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let hits = hits.lock().expect("lock");
    assert_eq!(
        hits.iter().map(|h| h.answered).collect::<Vec<_>>(),
        [503, 503, 200]
    );
    assert!(
        hits.iter()
            .all(|h| h.delivery == hits[0].delivery && !h.delivery.is_empty())
    );
    for h in hits.iter() {
        let (t, v1) = h
            .signature
            .split_once(",v1=")
            .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
            .expect("t=…,v1=…");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{t}.{}", h.body).as_bytes());
        assert_eq!(
            v1,
            data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()),
            "signed over the exact body"
        );
    }
    let body: serde_json::Value = serde_json::from_str(&hits[2].body).expect("JSON");
    assert_eq!(body["kind"], "attendance");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "its own center's day only: {body}");
    assert_eq!(items[0]["center_id"].to_string(), center);
    assert_eq!(items[0]["visitors"], 3);
    assert_eq!(items[0]["total"], 3);
}
