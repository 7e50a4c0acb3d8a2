//! A fault-injecting HTTP proxy on 127.0.0.1, between a kiosk and its hub.
//! Each request (HTTP/1.1 with a Content-Length body, as the kiosk sends)
//! meets one fault, drawn with a fixed seed:
//!
//! - `pass`: forwarded, answered;
//! - `refuse`: the connection is closed before anything is read;
//! - `reset_mid_body`: half the body is read, then the connection is cut;
//! - `bad_gateway`: answered 502 without reaching the hub;
//! - `slow`: forwarded and answered after a second;
//! - `duplicate`: forwarded twice (the hub sees it twice), answered once;
//! - `lose_response`: forwarded (the hub commits), then the connection is
//!   cut before the answer;
//! - `stall_then_cut`: forwarded, then nothing for two seconds, then cut
//!   (the answer never comes, as with a timeout).
//!
//! Not drawn, only scripted ([`FaultyProxy::start_scripted`]):
//!
//! - `hold`: forwarded (the hub commits), then the connection is held open
//!   with no answer for two minutes: only the client's own timeout ends it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FAULTS: [&str; 8] = [
    "pass",
    "refuse",
    "reset_mid_body",
    "bad_gateway",
    "slow",
    "duplicate",
    "lose_response",
    "stall_then_cut",
];

pub struct FaultyProxy {
    pub url: String,
    counts: Arc<Mutex<BTreeMap<&'static str, usize>>>,
    stop: Arc<AtomicBool>,
}

impl FaultyProxy {
    /// Listens on a free port and forwards to `upstream` (`host:port`);
    /// `fault_percent` of requests meet a fault other than `pass`.
    pub fn start(upstream: &str, seed: u64, fault_percent: u64) -> FaultyProxy {
        FaultyProxy::start_with(upstream, seed, fault_percent, Vec::new())
    }

    /// Listens and forwards to `upstream`, giving the first requests the
    /// faults of `script` in order and passing every later one.
    pub fn start_scripted(upstream: &str, script: &[&'static str]) -> FaultyProxy {
        FaultyProxy::start_with(upstream, 1, 0, script.to_vec())
    }

    fn start_with(
        upstream: &str,
        seed: u64,
        fault_percent: u64,
        script: Vec<&'static str>,
    ) -> FaultyProxy {
        let mut script = std::collections::VecDeque::from(script);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let counts: Arc<Mutex<BTreeMap<&'static str, usize>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let rng = Arc::new(AtomicU64::new(seed | 1));
        let (c, s, up) = (counts.clone(), stop.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let fault = script
                    .pop_front()
                    .unwrap_or_else(|| draw(&rng, fault_percent));
                if let Ok(mut m) = c.lock() {
                    *m.entry(fault).or_default() += 1;
                }
                let up = up.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, &up, fault);
                });
            }
        });
        FaultyProxy { url, counts, stop }
    }

    /// How many requests met each fault.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.counts.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the stop.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn draw(rng: &AtomicU64, fault_percent: u64) -> &'static str {
    let mut x = rng.load(Ordering::SeqCst);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng.store(x, Ordering::SeqCst);
    if x % 100 >= fault_percent {
        "pass"
    } else {
        FAULTS[1 + (x / 100 % (FAULTS.len() as u64 - 1)) as usize]
    }
}

/// Reads one request: the head (up to the blank line) and its body.
fn read_request(conn: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
        if buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    // Every request goes to the hub on a connection of its own.
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body)?;
    Ok((out.into_bytes(), body))
}

fn forward(upstream: &str, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut hub = TcpStream::connect(upstream)?;
    hub.write_all(head)?;
    hub.write_all(body)?;
    let mut response = Vec::new();
    hub.read_to_end(&mut response)?;
    Ok(response)
}

fn handle(mut conn: TcpStream, upstream: &str, fault: &str) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    if fault == "refuse" {
        return conn.shutdown(Shutdown::Both);
    }
    if fault == "reset_mid_body" {
        let mut some = vec![0u8; 512];
        let _ = conn.read(&mut some)?;
        return conn.shutdown(Shutdown::Both);
    }
    let (head, body) = read_request(&mut conn)?;
    let response = match fault {
        "bad_gateway" => {
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
        "duplicate" => {
            forward(upstream, &head, &body)?;
            forward(upstream, &head, &body)?
        }
        _ => forward(upstream, &head, &body)?,
    };
    match fault {
        "lose_response" => return conn.shutdown(Shutdown::Both),
        "stall_then_cut" => {
            std::thread::sleep(Duration::from_secs(2));
            return conn.shutdown(Shutdown::Both);
        }
        "hold" => {
            // Nothing more is sent; a read returns when the client gives up
            // and closes (or after two minutes, when a test has failed anyway).
            conn.set_read_timeout(Some(Duration::from_secs(120)))?;
            let mut rest = [0u8; 64];
            while conn.read(&mut rest)? > 0 {}
            return conn.shutdown(Shutdown::Both);
        }
        "slow" => std::thread::sleep(Duration::from_secs(1)),
        _ => {}
    }
    conn.write_all(&response)?;
    conn.shutdown(Shutdown::Both)
}
