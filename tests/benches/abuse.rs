//! Two ways to bring a hub down, measured against the release hub: a flood
//! of wrong logins (each Argon2id check holds ~19 MiB), and slow clients
//! that open connections and never finish a request. Prints the hub's peak
//! memory, how long health took to answer meanwhile, and how soon the slow
//! connections were cut off.
//!
//! `cargo build --release -p hub && cargo bench -p e2e --bench abuse`.
//! `ABUSE_LOGINS` (default 150) and `ABUSE_SLOW` (default 1100) set the sizes.

use std::io::Write;
use std::time::{Duration, Instant};

use e2e::{Hub, add_user, http_status, hub_cmd, peak_rss_mb, run, stdout};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Health asked every 100 ms until `done`; the slowest answer (0 = none came in 10 s).
fn watch_health(
    addr: String,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<(Duration, usize)> {
    std::thread::spawn(move || {
        let health =
            format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let (mut slowest, mut failed) = (Duration::ZERO, 0);
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let t = Instant::now();
            if http_status(&addr, &health, Duration::from_secs(10)).0 != 200 {
                failed += 1;
            }
            slowest = slowest.max(t.elapsed());
            std::thread::sleep(Duration::from_millis(100));
        }
        (slowest, failed)
    })
}

fn logins(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hub");
    let center = stdout(&run(hub_cmd(&data).args([
        "center",
        "add",
        "--name",
        "青年之家",
    ])));
    add_user(
        &data,
        "staff1",
        "staff",
        &format!("center:{center}"),
        "staff password 1",
    );
    let hub = Hub::start(&data, "127.0.0.1:0");
    let addr = hub.url.trim_start_matches("http://").to_string();
    let pid = hub.pid().expect("pid");
    let before = peak_rss_mb(pid);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = watch_health(addr.clone(), done.clone());
    let t = Instant::now();
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let body = format!("login=staff1&password=wrong+password+{i}");
                let request = format!(
                    "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                http_status(&addr, &request, Duration::from_secs(60)).0
            })
        })
        .collect();
    let codes: Vec<u16> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let took = t.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (slowest, failed) = watcher.join().expect("watcher");
    let count = |c| codes.iter().filter(|x| **x == c).count();
    println!(
        "{n} wrong logins at once: {} checked (401), {} told busy (429), other {}; all answered in {took:.2?}",
        count(401),
        count(429),
        n - count(401) - count(429)
    );
    println!(
        "  hub peak RSS {} MB (before {before} MB); health meanwhile: slowest {slowest:.2?}, {failed} failed",
        peak_rss_mb(pid)
    );
}

/// `n` half-sent requests, with the hub's descriptor limit lowered to
/// `nofile` (the default of 1,024) or left as this machine gives it (the
/// systemd unit raises it to 65,536).
fn slow_clients(n: usize, nofile: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::start(&dir.path().join("hub"), "127.0.0.1:0");
    let addr = hub.url.trim_start_matches("http://").to_string();
    let pid = hub.pid().expect("pid");
    if let Some(nofile) = nofile {
        run(std::process::Command::new("prlimit").args([
            "--pid",
            &pid.to_string(),
            &format!("--nofile={nofile}:{nofile}"),
        ]));
    }
    let limit = std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        .unwrap_or_default();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = watch_health(addr.clone(), done.clone());
    let t = Instant::now();
    let mut open: Vec<std::net::TcpStream> = (0..n)
        .filter_map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).ok()?;
            s.write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
                .ok()?;
            Some(s)
        })
        .collect();
    let mut closed_after = Duration::ZERO;
    for s in &mut open {
        let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
        let _ = std::io::Read::read_to_end(s, &mut Vec::new());
        closed_after = t.elapsed();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (slowest, failed) = watcher.join().expect("watcher");
    println!(
        "{} half-sent requests (hub's open-file limit {limit}): all closed by the hub after {closed_after:.2?}; \
         health meanwhile: slowest {slowest:.2?}, {failed} failed",
        open.len()
    );
}

fn main() {
    logins(env("ABUSE_LOGINS", 150));
    let n = env("ABUSE_SLOW", 1100);
    slow_clients(n, None);
    slow_clients(n, Some("1024"));
}
