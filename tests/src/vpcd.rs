//! A virtual contactless card for pcscd's vsmartcard-vpcd reader.
//!
//! vpcd listens on 127.0.0.1:35963 (reader "Virtual PCD 00 00") and 35964
//! ("… 00 01"). Every message is a 2-byte big-endian length and a body: one
//! byte is a control (0 power off, 1 power on, 2 reset, 4 send the ATR),
//! more is an APDU to answer. Closing the socket takes the card away.
//! A resident ID card is played too: it refuses GET DATA and answers its
//! own serial command, as such cards do.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A card to play on the virtual reader.
#[derive(Debug, Clone)]
pub enum VirtualCard {
    /// An ISO 14443 Type A card: GET DATA (`FF CA 00 00 00`) gives its UID.
    TypeA(Vec<u8>),
    /// A resident ID card (ISO 14443 Type B): GET DATA is refused
    /// (`6A 81`); `00 36 00 00 08` gives the 8-byte chip serial.
    IdCard([u8; 8]),
}

/// Plays one card on vpcd's socket: answers the ATR request and GET DATA,
/// keeps the card on the reader for `hold`, then takes it away.
pub fn tap_card(port: u16, uid: &[u8], hold: Duration) -> Result<(), String> {
    play_card(port, &VirtualCard::TypeA(uid.to_vec()), hold)
}

/// Plays a resident ID card: only its own serial command is answered.
pub fn tap_id_card(port: u16, serial: [u8; 8], hold: Duration) -> Result<(), String> {
    play_card(port, &VirtualCard::IdCard(serial), hold)
}

/// Plays `card` on vpcd's socket until it has told the reader who it is,
/// keeps it on the reader for `hold`, then takes it away.
pub fn play_card(port: u16, card: &VirtualCard, hold: Duration) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sock = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => {
                return Err(format!(
                    "cannot reach vpcd on 127.0.0.1:{port} ({e}); start pcscd with vsmartcard-vpcd installed"
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let atr: &[u8] = match card {
        VirtualCard::TypeA(_) => &[
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x00, 0x6A,
        ],
        // A contactless Type B card as PC/SC readers present it.
        VirtualCard::IdCard(_) => &[
            0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
        ],
    };
    let send = |sock: &mut TcpStream, body: &[u8]| -> Result<(), String> {
        let len = u16::try_from(body.len()).map_err(|e| e.to_string())?;
        sock.write_all(&len.to_be_bytes())
            .map_err(|e| e.to_string())?;
        sock.write_all(body).map_err(|e| e.to_string())
    };
    let mut answered_at: Option<Instant> = None;
    loop {
        if answered_at.is_some_and(|t| t.elapsed() > hold) || Instant::now() > deadline + hold {
            return answered_at
                .map(|_| ())
                .ok_or_else(|| "the reader never asked for the UID".into());
        }
        let mut len = [0u8; 2];
        match sock.read_exact(&mut len) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e.to_string()),
        }
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        sock.set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(|e| e.to_string())?;
        sock.read_exact(&mut body).map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        match body.as_slice() {
            // Power off, power on, reset: nothing to answer.
            [0] | [1] | [2] => {}
            [4] => send(&mut sock, atr)?,
            apdu => match (card, apdu) {
                (VirtualCard::TypeA(_), [0xFF, 0xCA, 0x00, 0x00, 0x00])
                | (VirtualCard::IdCard(_), [0x00, 0x36, 0x00, 0x00, 0x08]) => {
                    let mut answer = match card {
                        VirtualCard::TypeA(uid) => uid.clone(),
                        VirtualCard::IdCard(serial) => serial.to_vec(),
                    };
                    answer.extend_from_slice(&[0x90, 0x00]);
                    send(&mut sock, &answer)?;
                    answered_at.get_or_insert_with(Instant::now);
                }
                // GET DATA on an ID card: "function not supported".
                (VirtualCard::IdCard(_), [0xFF, 0xCA, ..]) => send(&mut sock, &[0x6A, 0x81])?,
                _ => send(&mut sock, &[0x6D, 0x00])?,
            },
        }
    }
}
