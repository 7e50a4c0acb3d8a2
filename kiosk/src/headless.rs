//! The door station without a screen: scans in on stdin, outcomes out as JSON lines.
//!
//! Scripts and tests drive the kiosk this way too. Each outcome line is
//! printed only after the event is durably stored, exactly as the touchscreen
//! says "welcome" only then.

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use protocol::catalog::{AgeBand, ServiceCategory};

use crate::checkin::{Credential, Engine, Refusal, ShiftAction};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::door::{Door, Mode};
use crate::input::{Input, InputSink};

/// How long the last upload at end of input may take.
const FINAL_SYNC_TIMEOUT: Duration = Duration::from_secs(15);

/// What one input line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    CheckIn(Credential),
    Shift(Credential, ShiftAction),
    /// The answer to "which activity are you here for?" after the last
    /// check-in: an activity's id, or empty for just visiting.
    Activity(String),
    /// A rating of the visit the last welcome or check-out asked about.
    Rate(protocol::catalog::Satisfaction),
}

/// Parses one input line; `None` for a blank line.
///
/// - a scan (member code or number), or `card:HEX` for a card tap;
/// - `visitor AGE_BAND PURPOSE`;
/// - `volunteer-in SCAN [ACTIVITY TITLE]` and `volunteer-out SCAN`, where
///   SCAN is a code, a number or `card:HEX` (no activity: general duty);
/// - `activity:ID` (or `activity:` for just visiting), answering the
///   question a welcome asked (`"ask"` in its JSON);
/// - `rate:SATISFACTION` (`very_satisfied` … `very_dissatisfied`), rating
///   the visit a welcome or check-out asked about (`"rate"` in its JSON).
pub fn parse_line(line: &str) -> Option<Result<Request, Refusal>> {
    let t = line.trim();
    if t.is_empty() {
        return None;
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or_default();
    let rest = t[first.len()..].trim_start();
    if let Some(code) = t.strip_prefix("rate:") {
        return Some(
            protocol::catalog::Satisfaction::from_code(code.trim())
                .map(Request::Rate)
                .ok_or(Refusal::Garbled),
        );
    }
    if let Some(id) = t.strip_prefix("activity:") {
        let id = id.trim();
        return Some(if id.is_empty() || protocol::content::is_activity_id(id) {
            Ok(Request::Activity(id.to_string()))
        } else {
            Err(Refusal::Garbled)
        });
    }
    Some(match first {
        "visitor" => {
            let age = words.next().and_then(AgeBand::from_code);
            let purpose = words.next().and_then(ServiceCategory::from_code);
            match (age, purpose, words.next()) {
                (Some(age_band), Some(purpose), None) => {
                    Ok(Request::CheckIn(Credential::Visitor { age_band, purpose }))
                }
                _ => Err(Refusal::Garbled),
            }
        }
        "volunteer-in" | "volunteer-out" => {
            let scan = words.next().unwrap_or_default();
            let activity = rest[scan.len()..].trim().to_string();
            let shift = if first == "volunteer-in" {
                ShiftAction::Start {
                    activity,
                    category: None,
                }
            } else if activity.is_empty() {
                ShiftAction::End
            } else {
                return Some(Err(Refusal::Garbled));
            };
            parse_scan(scan).map(|c| Request::Shift(c, shift))
        }
        _ => parse_scan(t).map(Request::CheckIn),
    })
}

/// A scanned line, or `card:HEX`: a card tap, the same path a reader's UID
/// takes. That form is accepted here and from readers only, never from a
/// scanned code.
fn parse_scan(t: &str) -> Result<Credential, Refusal> {
    match t.strip_prefix("card:") {
        Some(hex) => protocol::card::parse_uid_hex(hex)
            .map(Credential::CardUid)
            .ok_or(Refusal::Garbled),
        None => crate::checkin::scan::parse(t),
    }
}

enum Message {
    Line(String),
    /// A line that is not UTF-8.
    NotText,
    Device(Input),
    EndOfInput,
    Stop,
}

pub fn run(data: &Path, config: &Config, final_sync: bool) -> anyhow::Result<()> {
    let (rt, wake) = crate::app::start_sync(data, config, None, false)?;
    let mut engine = Engine::new(
        crate::app::open_store(data)?,
        SystemClock::new(),
        config.repeat_window_minutes,
    )?;
    let (tx, rx) = std::sync::mpsc::channel::<Message>();
    let devices = config.devices();
    let device_tx = std::sync::Mutex::new(tx.clone());
    devices.start(
        &rt,
        &InputSink::new(move |input| {
            device_tx
                .lock()
                .map(|tx| tx.send(Message::Device(input)).is_ok())
                .unwrap_or(false)
        }),
    );
    let signals = crate::signals::start(&config.signals, None);
    let mut door = Door::new(signals.clone(), Some(wake.clone()));
    let stop_tx = std::sync::Mutex::new(tx.clone());
    rt.spawn(crate::app::quit_on_terminate(move || {
        if let Ok(tx) = stop_tx.lock() {
            let _ = tx.send(Message::Stop);
        }
    }));
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut input = std::io::stdin().lock();
            let mut bytes = Vec::new();
            loop {
                bytes.clear();
                match input.read_until(b'\n', &mut bytes) {
                    Ok(0) => break,
                    Ok(_) => {}
                    // A read error ends the input; an interrupted read does not.
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        tracing::warn!("cannot read standard input: {e}");
                        break;
                    }
                }
                // A scanner that sends bytes that are no text (a wrong
                // keyboard layout, line noise) gets "garbled", and the next
                // line is read as usual.
                let message = match std::str::from_utf8(&bytes) {
                    Ok(text) => Message::Line(text.trim_end_matches(['\n', '\r']).to_string()),
                    Err(_) => Message::NotText,
                };
                if tx.send(message).is_err() {
                    break;
                }
            }
            let _ = tx.send(Message::EndOfInput);
        })?;
    // The check-in whose member was asked which activity they came for,
    // until the next line.
    let mut asked: Option<u64> = None;
    // The visit the last welcome or check-out asked a rating of.
    let mut rating: Option<u64> = None;
    crate::service::ready("reading scans");
    let watchdog = crate::service::watchdog_interval();
    loop {
        let message = match watchdog {
            Some(every) => match rx.recv_timeout(every) {
                Ok(m) => m,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    crate::service::alive();
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        if watchdog.is_some() {
            crate::service::alive();
        }
        let (mode, credential) = match message {
            // An enrollment code's QR code: the station enrolls, then
            // syncs as an enrolled one; its check-ins so far go up too.
            Message::Line(line) if crate::checkin::scan::enroll_payload(&line).is_some() => {
                let (hub, code) = crate::checkin::scan::enroll_payload(&line).unwrap_or_default();
                let answer = if engine.enrolled() {
                    serde_json::json!({ "outcome": "refused", "reason": "already_enrolled" })
                } else {
                    match crate::app::enroll_quietly(data, &hub, &code, None, false) {
                        Ok(done) => {
                            engine = Engine::new(
                                crate::app::open_store(data)?,
                                SystemClock::new(),
                                config.repeat_window_minutes,
                            )?;
                            crate::app::spawn_sync(
                                rt.handle(),
                                data,
                                config,
                                None,
                                wake.clone(),
                                false,
                            )?;
                            serde_json::json!({ "outcome": "enrolled", "device_id": done.device_id,
                                                "center_id": done.center_id, "center": done.center_name })
                        }
                        Err(e) => {
                            serde_json::json!({ "outcome": "refused", "reason": "enrollment_failed",
                                                      "message": format!("{e:#}") })
                        }
                    }
                };
                crate::app::emit(&answer.to_string())?;
                continue;
            }
            Message::Line(line) => match parse_line(&line) {
                None => continue,
                Some(Ok(Request::Activity(id))) => {
                    let answer = match asked.take() {
                        Some(seq) => {
                            let outcome = engine.choose_activity(seq, &id);
                            door.after(&outcome);
                            // A full activity: the question stands, for
                            // another answer.
                            if matches!(
                                outcome,
                                crate::checkin::Outcome::Refused {
                                    reason: Refusal::ActivityFull | Refusal::NotRunning
                                }
                            ) {
                                asked = Some(seq);
                            }
                            outcome.to_json()
                        }
                        None => serde_json::json!({
                            "outcome": "refused",
                            "reason": "nothing_asked",
                            "message": "no check-in waits for an answer: give activity: right after a welcome that asks",
                        }),
                    };
                    crate::app::emit(&answer.to_string())?;
                    continue;
                }
                Some(Ok(Request::Rate(satisfaction))) => {
                    let answer = match rating.take() {
                        Some(seq) => match engine.rate(seq, satisfaction) {
                            Ok(()) => {
                                door.recorded();
                                serde_json::json!({ "outcome": "rated", "for_seq": seq,
                                                    "satisfaction": satisfaction.code() })
                            }
                            Err(message) => serde_json::json!({ "outcome": "refused",
                                "reason": "not_recorded", "message": message }),
                        },
                        None => serde_json::json!({
                            "outcome": "refused",
                            "reason": "nothing_asked",
                            "message": "no visit waits for a rating: give rate: right after a welcome or check-out that asks",
                        }),
                    };
                    crate::app::emit(&answer.to_string())?;
                    continue;
                }
                Some(Ok(Request::CheckIn(credential))) => (Mode::CheckIn, Ok(credential)),
                Some(Ok(Request::Shift(credential, shift))) => (Mode::Shift(shift), Ok(credential)),
                Some(Err(reason)) => (Mode::CheckIn, Err(reason)),
            },
            Message::NotText => (Mode::CheckIn, Err(Refusal::Garbled)),
            Message::Device(input) => (Mode::CheckIn, input.into_credential()),
            // With devices attached, a closed stdin (a service with no input) is normal.
            Message::EndOfInput if devices.is_empty() => break,
            Message::EndOfInput => continue,
            Message::Stop => break,
        };
        door.set_mode(mode);
        let outcome = door.present_credential(&mut engine, credential);
        asked = match &outcome {
            crate::checkin::Outcome::Welcome {
                seq,
                attending: crate::checkin::Attending::Ask(_),
                ..
            } => Some(*seq),
            _ => None,
        };
        let offer = engine.rating_offer(&outcome);
        rating = offer.as_ref().map(|o| o.for_seq);
        let mut json = outcome.to_json();
        if let Some(o) = offer {
            json["rate"] = serde_json::json!({ "for_seq": o.for_seq, "visit_date": o.last_visit });
        }
        crate::app::emit(&json.to_string())?;
    }
    crate::service::stopping();
    // Outputs off first: a door relay is never left open.
    if let Some(s) = &signals {
        s.stop();
    }
    if final_sync {
        let store = crate::app::open_store(data)?;
        if let Some(e) = store.enrollment()? {
            let uplink =
                crate::sync::HttpUplink::new(&e.hub_url, &e.device_token, config.hub_timeout())?;
            let mut syncer = crate::sync::Syncer::new(store, uplink);
            let now = SystemClock::new().now_ms();
            match rt.block_on(async {
                tokio::time::timeout(FINAL_SYNC_TIMEOUT, syncer.sync_once(now)).await
            }) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => eprintln!("last upload failed; the events stay on this device: {e}"),
                Err(_) => eprintln!("last upload timed out; the events stay on this device"),
            }
        }
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_lines_and_scans_are_told_apart() {
        assert_eq!(parse_line("   "), None);
        assert_eq!(
            parse_line("visitor from18_to24 sports"),
            Some(Ok(Request::CheckIn(Credential::Visitor {
                age_band: AgeBand::From18To24,
                purpose: ServiceCategory::Sports
            })))
        );
        assert_eq!(
            parse_line("visitor teen sports"),
            Some(Err(Refusal::Garbled))
        );
        assert_eq!(
            parse_line("visitor over35 sports extra"),
            Some(Err(Refusal::Garbled))
        );
        assert_eq!(
            parse_line("10000001"),
            Some(Ok(Request::CheckIn(Credential::MemberNumber(10_000_001))))
        );
        assert_eq!(
            parse_line("card:04A1B2C3"),
            Some(Ok(Request::CheckIn(Credential::CardUid(vec![
                0x04, 0xA1, 0xB2, 0xC3
            ]))))
        );
        assert_eq!(parse_line("card:zz"), Some(Err(Refusal::Garbled)));
        assert_eq!(
            parse_line("activity:a7k2"),
            Some(Ok(Request::Activity("a7k2".into())))
        );
        assert_eq!(
            parse_line("activity:"),
            Some(Ok(Request::Activity(String::new())))
        );
        assert_eq!(parse_line("activity:no such"), Some(Err(Refusal::Garbled)));
    }

    #[test]
    fn volunteer_lines_carry_the_scan_and_the_activity() {
        assert_eq!(
            parse_line("volunteer-in 10000001 四点半课堂：作业辅导"),
            Some(Ok(Request::Shift(
                Credential::MemberNumber(10_000_001),
                ShiftAction::Start {
                    activity: "四点半课堂：作业辅导".into(),
                    category: None
                }
            )))
        );
        assert_eq!(
            parse_line("volunteer-in card:04A1B2C3"),
            Some(Ok(Request::Shift(
                Credential::CardUid(vec![0x04, 0xA1, 0xB2, 0xC3]),
                ShiftAction::Start {
                    activity: String::new(),
                    category: None
                }
            )))
        );
        assert_eq!(
            parse_line("volunteer-out 10000001"),
            Some(Ok(Request::Shift(
                Credential::MemberNumber(10_000_001),
                ShiftAction::End
            )))
        );
        for bad in [
            "volunteer-out",
            "volunteer-in",
            "volunteer-out 10000001 extra",
            "volunteer-in hello",
        ] {
            assert_eq!(parse_line(bad), Some(Err(Refusal::Garbled)), "{bad}");
        }
    }
}
