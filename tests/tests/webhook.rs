//! Webhooks to a platform above the hub: a real HTTP receiver on
//! 127.0.0.1 that refuses the first deliveries; the hub keeps trying with
//! the same delivery id until one is accepted, and every try is signed
//! with the platform's secret over the exact body.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, run, stdout};
use hmac::{Hmac, Mac};

struct Hit {
    delivery: String,
    signature: String,
    body: String,
    answered: u16,
}

/// A receiver that answers 503 to the first `refuse` requests, 200 after.
fn receiver(refuse: usize) -> (String, Arc<Mutex<Vec<Hit>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(Mutex::new(Vec::new()));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push(line.trim_end().to_string());
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find_map(|h| {
                        let (k, v) = h.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let len: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let mut hits = seen.lock().expect("lock");
            let answered = if hits.len() < refuse { 503 } else { 200 };
            hits.push(Hit {
                delivery: header("x-youth-delivery"),
                signature: header("x-youth-signature"),
                body: String::from_utf8_lossy(&body).to_string(),
                answered,
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {answered} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (format!("http://{addr}/hook"), hits)
}

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
