//! NFC/RFID card readers through PC/SC (pcscd): one tap, one card UID.
//!
//! A resident ID card (居民身份证, ISO 14443 Type B) is asked first with its
//! own command `00 36 00 00 08`, which answers the chip's 8-byte serial;
//! that stands for the card like any UID. Other cards refuse it and give
//! their UID to the standard contactless GET DATA (`FF CA 00 00 00`). No personal
//! data is read: the name and ID number need a certified reader with a
//! security module, and the serial is only ever kept as a keyed hash.
//! Readers can be plugged and unplugged while the kiosk runs.

use std::ffi::{CStr, CString};
use std::time::Duration;

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use super::{Input, InputSink};

/// The contactless GET DATA command for the card's UID.
pub const GET_UID: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

/// A resident ID card's command for its chip serial (8 bytes).
pub const GET_ID_CARD_SERIAL: [u8; 5] = [0x00, 0x36, 0x00, 0x00, 0x08];

/// What stands for the card on the reader: an ID card's chip serial, or
/// else its UID. The ID card's own command goes first: many readers answer
/// GET DATA themselves for a Type B card with its PUPI, a number such
/// cards need not keep from one tap to the next. Other cards refuse the
/// ID card command. `transmit` sends one APDU and returns the answer.
pub fn identify_card(
    mut transmit: impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    if let Some(serial) = transmit(&GET_ID_CARD_SERIAL)
        .ok()
        .as_deref()
        .and_then(serial_from_response)
    {
        return Ok(serial);
    }
    match transmit(&GET_UID) {
        Ok(answer) => uid_from_response(&answer)
            .ok_or_else(|| "the card gave neither an ID card serial nor a UID".to_string()),
        Err(e) => Err(e),
    }
}

/// Reads an ID card's chip serial out of its answer (8 bytes, `90 00`).
pub fn serial_from_response(response: &[u8]) -> Option<Vec<u8>> {
    uid_from_response(response).filter(|serial| serial.len() == 8)
}

/// Reads the UID out of a GET DATA answer (`UID… 90 00`).
pub fn uid_from_response(response: &[u8]) -> Option<Vec<u8>> {
    let (uid, status) = response.split_at_checked(response.len().checked_sub(2)?)?;
    (status == [0x90, 0x00] && (4..=16).contains(&uid.len())).then(|| uid.to_vec())
}

pub struct CardReaders {
    /// Empty: every reader; else only the reader of this name.
    only: String,
}

impl CardReaders {
    pub fn new(only: impl Into<String>) -> Self {
        CardReaders { only: only.into() }
    }

    /// Watches the readers until the sink is closed. pcscd not running or no
    /// reader plugged is reported once and waited out.
    pub fn run(self, sink: &InputSink) {
        let mut last_error = String::new();
        loop {
            match self.watch(sink) {
                Ok(()) => return,
                Err(e) => {
                    let text = e.to_string();
                    if text != last_error {
                        tracing::warn!("card readers: {text}; retrying");
                        last_error = text;
                    }
                }
            }
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    fn wanted(&self, name: &CStr) -> bool {
        self.only.is_empty() || name.to_string_lossy() == self.only
    }

    fn watch(&self, sink: &InputSink) -> Result<(), pcsc::Error> {
        let ctx = Context::establish(Scope::User)?;
        // The first entry is the plug-and-play pseudo reader: it changes when a
        // reader comes or goes.
        let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
        loop {
            // Follow the reader list: drop readers that left, add new ones.
            let names: Vec<CString> = match ctx.list_readers_owned() {
                Ok(n) => n,
                Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
                Err(e) => return Err(e),
            };
            states.retain(|s| {
                s.name() == pcsc::PNP_NOTIFICATION()
                    || (names.iter().any(|n| n.as_c_str() == s.name())
                        && !s.event_state().intersects(State::UNKNOWN | State::IGNORE))
            });
            for name in names.into_iter().filter(|n| self.wanted(n)) {
                if !states.iter().any(|s| s.name() == name.as_c_str()) {
                    tracing::info!("card reader {:?} found", name);
                    states.push(ReaderState::new(name, State::UNAWARE));
                }
            }
            for s in &mut states {
                s.sync_current_state();
            }
            match ctx.get_status_change(Duration::from_secs(2), &mut states) {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(e) => return Err(e),
            }
            for s in states.iter().skip(1) {
                let was = s.current_state().contains(State::PRESENT);
                let now = s.event_state().contains(State::PRESENT);
                // Only the moment a card arrives counts: a card left lying on
                // the reader is one tap.
                if now && !was && !s.event_state().contains(State::MUTE) {
                    match read_uid(&ctx, s.name()) {
                        Ok(uid) => {
                            if !sink.send(Input::CardUid(uid)) {
                                return Ok(());
                            }
                        }
                        Err(e) => tracing::warn!(
                            "card reader {:?}: could not read the card: {e}",
                            s.name()
                        ),
                    }
                }
            }
        }
    }
}

fn read_uid(ctx: &Context, reader: &CStr) -> Result<Vec<u8>, String> {
    let card = ctx
        .connect(reader, ShareMode::Shared, Protocols::ANY)
        .map_err(|e| e.to_string())?;
    identify_card(|apdu| {
        let mut buf = [0u8; 64];
        card.transmit(apdu, &mut buf)
            .map(<[u8]>::to_vec)
            .map_err(|e| e.to_string())
    })
}

/// The readers pcscd knows, or why there are none (for `kiosk doctor`).
pub fn list_readers() -> Result<Vec<String>, String> {
    let ctx = Context::establish(Scope::User).map_err(|e| match e {
        pcsc::Error::NoService => {
            "the PC/SC service (pcscd) is not running: install and start it (apt install pcscd)"
                .to_string()
        }
        other => other.to_string(),
    })?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uid_is_taken_only_from_a_successful_answer() {
        assert_eq!(
            uid_from_response(&[4, 0xA1, 0xB2, 0xC3, 0x90, 0x00]),
            Some(vec![4, 0xA1, 0xB2, 0xC3])
        );
        assert_eq!(uid_from_response(&[4, 0xA1, 0xB2, 0xC3, 0x6A, 0x81]), None);
        assert_eq!(uid_from_response(&[0x90, 0x00]), None);
        assert_eq!(uid_from_response(&[0x90]), None);
        assert_eq!(uid_from_response(&[]), None);
    }

    #[test]
    fn an_id_card_that_refuses_get_data_is_known_by_its_chip_serial() {
        let serial = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0];
        // A Type A card refuses the ID card command; GET DATA answers.
        let mut asked = Vec::new();
        let uid = identify_card(|apdu| {
            asked.push(apdu.to_vec());
            if apdu == GET_UID {
                Ok(vec![4, 0xA1, 0xB2, 0xC3, 0x90, 0x00])
            } else {
                Ok(vec![0x6D, 0x00])
            }
        });
        assert_eq!(uid, Ok(vec![4, 0xA1, 0xB2, 0xC3]));
        assert_eq!(asked, vec![GET_ID_CARD_SERIAL.to_vec(), GET_UID.to_vec()]);
        // A reader that answers GET DATA for the ID card itself (its PUPI):
        // the serial is asked first, so the PUPI is never taken.
        let pupi_reader = |apdu: &[u8]| {
            Ok(if apdu == GET_UID {
                vec![0, 0, 0, 0, 0x90, 0x00]
            } else {
                let mut answer = serial.to_vec();
                answer.extend_from_slice(&[0x90, 0x00]);
                answer
            })
        };
        assert_eq!(identify_card(pupi_reader), Ok(serial.to_vec()));
        // A resident ID card: GET DATA refused, its own command answers.
        let id_card = |apdu: &[u8]| match apdu {
            a if a == GET_ID_CARD_SERIAL => {
                let mut answer = serial.to_vec();
                answer.extend_from_slice(&[0x90, 0x00]);
                Ok(answer)
            }
            _ => Ok(vec![0x6A, 0x81]),
        };
        assert_eq!(identify_card(id_card), Ok(serial.to_vec()));
        // Neither: a clear error, not a made-up identity.
        assert!(identify_card(|_| Ok(vec![0x6D, 0x00])).is_err());
        // A serial of the wrong length is not taken.
        assert!(
            identify_card(|apdu| match apdu {
                a if a == GET_ID_CARD_SERIAL => Ok(vec![1, 2, 3, 4, 0x90, 0x00]),
                _ => Ok(vec![0x6A, 0x81]),
            })
            .is_err()
        );
    }
}
