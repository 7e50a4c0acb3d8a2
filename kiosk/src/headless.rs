//! The door station without a screen: scans in on stdin, outcomes out as JSON lines.
//!
//! Scripts and tests drive the kiosk this way too. Each outcome line is
//! printed only after the event is durably stored, exactly as the touchscreen
//! says "welcome" only then.

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use protocol::catalog::{AgeBand, ServiceCategory};

use crate::checkin::{Credential, Engine, Outcome, Refusal};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::input::{Input, InputSink};

/// How long the last upload at end of input may take.
const FINAL_SYNC_TIMEOUT: Duration = Duration::from_secs(15);

/// Parses one input line into a credential; `None` for a blank line.
pub fn parse_line(line: &str) -> Option<Result<Credential, Refusal>> {
    let t = line.trim();
    if t.is_empty() {
        return None;
    }
    // `card:HEX` is a card tap, the same path a reader's UID takes. It is
    // accepted here and from readers only, never from a scanned code.
    if let Some(hex) = t.strip_prefix("card:") {
        return Some(
            protocol::card::parse_uid_hex(hex)
                .map(Credential::CardUid)
                .ok_or(Refusal::Garbled),
        );
    }
    let mut words = t.split_whitespace();
    if words.next() == Some("visitor") {
        let age = words.next().and_then(AgeBand::from_code);
        let purpose = words.next().and_then(ServiceCategory::from_code);
        return Some(match (age, purpose, words.next()) {
            (Some(age_band), Some(purpose), None) => Ok(Credential::Visitor { age_band, purpose }),
            _ => Err(Refusal::Garbled),
        });
    }
    Some(crate::checkin::scan::parse(t))
}

enum Message {
    Line(String),
    Device(Input),
    EndOfInput,
}

pub fn run(data: &Path, config: &Config, final_sync: bool) -> anyhow::Result<()> {
    let (rt, wake) = crate::cli::start_sync(data, config)?;
    let mut engine = Engine::new(
        crate::cli::open_store(data)?,
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
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(Message::Line(line)).is_err() {
                    break;
                }
            }
            let _ = tx.send(Message::EndOfInput);
        })?;
    for message in rx {
        let outcome = match message {
            Message::Line(line) => match parse_line(&line) {
                None => continue,
                Some(Ok(credential)) => engine.check_in(credential),
                Some(Err(reason)) => Outcome::Refused { reason },
            },
            Message::Device(input) => match input.into_credential() {
                Ok(credential) => engine.check_in(credential),
                Err(reason) => Outcome::Refused { reason },
            },
            // With devices attached, a closed stdin (a service with no input) is normal.
            Message::EndOfInput if devices.is_empty() => break,
            Message::EndOfInput => continue,
        };
        crate::cli::emit(&outcome.to_json().to_string())?;
        if matches!(outcome, Outcome::Welcome { .. }) {
            wake.notify_one();
        }
    }
    if final_sync {
        let store = crate::cli::open_store(data)?;
        if let Some(e) = store.enrollment()? {
            let uplink = crate::sync::HttpUplink::new(&e.hub_url, &e.device_token)?;
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
            Some(Ok(Credential::Visitor {
                age_band: AgeBand::From18To24,
                purpose: ServiceCategory::Sports
            }))
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
            Some(Ok(Credential::MemberNumber(10_000_001)))
        );
    }
}
