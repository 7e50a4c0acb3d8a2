//! A small SNTP server (RFC 4330) answering with this machine's clock, for
//! an emulated board whose network has no time server of its own: QEMU's
//! user network takes the guest's packets for 10.0.2.2 to this machine's
//! loopback, so a board whose profile names `ntp = ["10.0.2.2"]` has its
//! clock synchronised by systemd-timesyncd as a real one would be.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from 1900 (NTP's era) to 1970.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The server, answering until dropped.
pub struct Sntp {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
}

fn ntp_now() -> [u8; 8] {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = (now.as_secs() + NTP_UNIX_OFFSET) as u32;
    let frac = ((u64::from(now.subsec_nanos()) << 32) / 1_000_000_000) as u32;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&secs.to_be_bytes());
    out[4..].copy_from_slice(&frac.to_be_bytes());
    out
}

/// The answer to a client's request: a stratum-1 server, in sync.
pub fn answer(request: &[u8]) -> Option<[u8; 48]> {
    if request.len() < 48 || request[0] & 0x07 != 3 {
        return None;
    }
    let version = (request[0] >> 3) & 0x07;
    let mut a = [0u8; 48];
    a[0] = (version << 3) | 4; // no leap warning, the client's version, server
    a[1] = 1; // stratum 1: a reference clock
    a[2] = request[2]; // the client's poll interval
    a[3] = 0xec; // precision: 2^-20 s
    a[8..12].copy_from_slice(&0x0000_0010u32.to_be_bytes()); // root dispersion
    a[12..16].copy_from_slice(b"LOCL");
    let now = ntp_now();
    a[16..24].copy_from_slice(&now);
    a[24..32].copy_from_slice(&request[40..48]); // originate: the client's transmit
    a[32..40].copy_from_slice(&now);
    a[40..48].copy_from_slice(&ntp_now());
    Some(a)
}

impl Sntp {
    /// Listens on `addr` (port 123 needs root).
    pub fn start(addr: &str) -> std::io::Result<Sntp> {
        let socket = UdpSocket::bind(addr)?;
        let local = socket.local_addr()?;
        socket.set_read_timeout(Some(Duration::from_millis(200)))?;
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let (s, n) = (stop.clone(), answered.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !s.load(Ordering::SeqCst) {
                let Ok((len, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(a) = answer(&buf[..len]) {
                    // Counted before the answer leaves: a client that has
                    // it may look at the count at once.
                    n.fetch_add(1, Ordering::SeqCst);
                    if socket.send_to(&a, from).is_err() {
                        n.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            }
        });
        Ok(Sntp {
            stop,
            answered,
            thread: Some(thread),
            addr: local,
        })
    }

    /// Requests answered so far.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

impl Drop for Sntp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_request_gets_a_server_answer_with_its_timestamp_echoed() {
        let mut request = [0u8; 48];
        request[0] = (4 << 3) | 3;
        request[40..48].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let a = answer(&request).expect("answer");
        assert_eq!(a[0] & 0x07, 4, "server mode");
        assert_eq!((a[0] >> 6) & 0x03, 0, "no leap warning: in sync");
        assert_eq!(a[1], 1);
        assert_eq!(&a[24..32], &[1, 2, 3, 4, 5, 6, 7, 8]);
        let secs = u64::from(u32::from_be_bytes([a[40], a[41], a[42], a[43]]));
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        assert!(secs.abs_diff(unix + NTP_UNIX_OFFSET) <= 2);
        // A server's or a garbled packet gets nothing.
        request[0] = (4 << 3) | 4;
        assert_eq!(answer(&request), None);
        assert_eq!(answer(&[0u8; 10]), None);
    }

    #[test]
    fn it_answers_over_udp() {
        let server = Sntp::start("127.0.0.1:0").expect("start");
        let client = UdpSocket::bind("127.0.0.1:0").expect("bind");
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut request = [0u8; 48];
        request[0] = (4 << 3) | 3;
        client.send_to(&request, server.addr).expect("send");
        let mut buf = [0u8; 64];
        let (len, _) = client.recv_from(&mut buf).expect("answer");
        assert_eq!(len, 48);
        assert_eq!(server.answered(), 1);
    }
}
