//! USB HID barcode scanners read through evdev, grabbed so their keystrokes
//! never reach the UI, and decoded from key events into scan lines.
//!
//! A scanner is chosen by its stable `/dev/input/by-id/…-event-kbd` path. The
//! decoder follows Shift (and Caps Lock) like a keyboard would, and ends a
//! scan at Enter or, for scanners set up without a suffix, after a pause
//! between keys ([`DEFAULT_GAP_MS`]): scanners type a code in bursts of a few
//! milliseconds per key, people do not.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::keymap::{KEY_CAPSLOCK, KEY_ENTER, KEY_KPENTER, KEY_LEFTSHIFT, KEY_RIGHTSHIFT, Layout};
use super::{Input, InputSink};

pub const EV_SYN: u16 = 0;
pub const EV_KEY: u16 = 1;
pub const EV_MSC: u16 = 4;
/// Without an Enter suffix, a scan ends after this much silence.
pub const DEFAULT_GAP_MS: u64 = 80;
const MAX_SCAN_LEN: usize = 512;

/// One `struct input_event` as the kernel delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    pub time_us: u64,
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

/// Size of `struct input_event` on 64-bit Linux (x86_64, aarch64): a 16-byte
/// timeval, then type, code and value.
pub const EVENT_SIZE: usize = 24;

/// Reads raw `input_event` records (as `cat /dev/input/eventN > file` saves
/// them on a 64-bit board). A trailing partial record is ignored.
pub fn parse_events(bytes: &[u8]) -> Vec<RawEvent> {
    bytes
        .chunks_exact(EVENT_SIZE)
        .map(|r| {
            let word = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&r[i..i + 8]);
                i64::from_ne_bytes(b)
            };
            let (sec, usec) = (word(0), word(8));
            RawEvent {
                // Saturating: a garbled record must not overflow.
                time_us: u64::try_from(sec)
                    .unwrap_or(0)
                    .saturating_mul(1_000_000)
                    .saturating_add(u64::try_from(usec).unwrap_or(0)),
                kind: u16::from_ne_bytes([r[16], r[17]]),
                code: u16::from_ne_bytes([r[18], r[19]]),
                value: i32::from_ne_bytes([r[20], r[21], r[22], r[23]]),
            }
        })
        .collect()
}

/// The inverse of [`parse_events`], for recording synthetic streams.
pub fn encode_events(events: &[RawEvent]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len() * EVENT_SIZE);
    for e in events {
        out.extend_from_slice(
            &i64::try_from(e.time_us / 1_000_000)
                .unwrap_or(0)
                .to_ne_bytes(),
        );
        out.extend_from_slice(
            &i64::try_from(e.time_us % 1_000_000)
                .unwrap_or(0)
                .to_ne_bytes(),
        );
        out.extend_from_slice(&e.kind.to_ne_bytes());
        out.extend_from_slice(&e.code.to_ne_bytes());
        out.extend_from_slice(&e.value.to_ne_bytes());
    }
    out
}

/// Turns key events into scan lines.
#[derive(Debug)]
pub struct KeyDecoder {
    layout: Layout,
    gap_us: u64,
    shift_keys: u8,
    caps: bool,
    text: String,
    last_key_us: Option<u64>,
}

impl KeyDecoder {
    pub fn new(gap_ms: u64) -> Self {
        KeyDecoder {
            layout: Layout::Us,
            gap_us: gap_ms * 1000,
            shift_keys: 0,
            caps: false,
            text: String::new(),
            last_key_us: None,
        }
    }

    /// The keyboard layout the scanner is set to type in (US by default).
    pub fn with_layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    fn take(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.text);
        (!line.is_empty()).then_some(line)
    }

    /// Feeds one event; returns the scans it completed (at most two: one
    /// ended by a pause, one by Enter).
    pub fn feed(&mut self, e: RawEvent) -> Vec<String> {
        let mut done = Vec::new();
        if e.kind != EV_KEY {
            return done;
        }
        match (e.code, e.value) {
            (KEY_LEFTSHIFT | KEY_RIGHTSHIFT, 1) => {
                self.shift_keys = self.shift_keys.saturating_add(1)
            }
            (KEY_LEFTSHIFT | KEY_RIGHTSHIFT, 0) => {
                self.shift_keys = self.shift_keys.saturating_sub(1)
            }
            (KEY_CAPSLOCK, 1) => self.caps = !self.caps,
            // A key press (1); auto-repeat (2) is not something a scanner sends.
            (code, 1) => {
                if let Some(last) = self.last_key_us
                    && e.time_us.saturating_sub(last) > self.gap_us
                    && let Some(line) = self.take()
                {
                    done.push(line);
                }
                self.last_key_us = Some(e.time_us);
                if code == KEY_ENTER || code == KEY_KPENTER {
                    done.extend(self.take());
                } else if let Some(c) = self.layout.char_for(code, self.shift_keys > 0) {
                    let c = if self.caps && c.is_ascii_alphabetic() {
                        if c.is_ascii_lowercase() {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    } else {
                        c
                    };
                    if self.text.len() < MAX_SCAN_LEN {
                        self.text.push(c);
                    }
                }
            }
            _ => {}
        }
        done
    }

    /// Ends a scan that has seen no key for longer than the gap (call when
    /// the device has been quiet).
    pub fn flush_if_idle(&mut self, now_us: u64) -> Option<String> {
        match self.last_key_us {
            Some(last) if now_us.saturating_sub(last) > self.gap_us => self.take(),
            _ => None,
        }
    }

    /// Ends whatever is pending (the device went quiet and time is not known).
    pub fn flush(&mut self) -> Option<String> {
        self.take()
    }
}

/// Key events a US-layout scanner sends to type `text` then Enter,
/// `per_key_us` apart, with the MSC_SCAN and SYN_REPORT records a real USB
/// HID scanner emits.
pub fn synthesize_scan(text: &str, start_us: u64, per_key_us: u64, enter: bool) -> Vec<RawEvent> {
    synthesize_scan_in(Layout::Us, text, start_us, per_key_us, enter)
}

/// The same, for a scanner set to another keyboard layout.
pub fn synthesize_scan_in(
    layout: Layout,
    text: &str,
    start_us: u64,
    per_key_us: u64,
    enter: bool,
) -> Vec<RawEvent> {
    let mut t = start_us;
    let mut out = Vec::new();
    let mut key = |code: u16, value: i32, t: u64| {
        out.push(RawEvent {
            time_us: t,
            kind: EV_MSC,
            code: 4,
            value: 0x70000 + i32::from(code),
        });
        out.push(RawEvent {
            time_us: t,
            kind: EV_KEY,
            code,
            value,
        });
        out.push(RawEvent {
            time_us: t,
            kind: EV_SYN,
            code: 0,
            value: 0,
        });
    };
    for c in text.chars() {
        let Some((code, shift)) = layout.code_for(c) else {
            continue;
        };
        if shift {
            key(KEY_LEFTSHIFT, 1, t);
        }
        key(code, 1, t);
        key(code, 0, t + per_key_us / 2);
        if shift {
            key(KEY_LEFTSHIFT, 0, t + per_key_us / 2);
        }
        t += per_key_us;
    }
    if enter {
        key(KEY_ENTER, 1, t);
        key(KEY_ENTER, 0, t + per_key_us / 2);
    }
    out
}

/// A live scanner: grabs the device, decodes it, sends each scan to `sink`,
/// and reopens it when it is unplugged and plugged back.
pub struct HidScanner {
    pub path: PathBuf,
    pub gap_ms: u64,
    pub layout: Layout,
}

impl HidScanner {
    pub fn new(path: impl Into<PathBuf>, layout: Layout) -> Self {
        HidScanner {
            path: path.into(),
            gap_ms: DEFAULT_GAP_MS,
            layout,
        }
    }

    /// Runs until the sink is closed. Errors (no such device, no permission)
    /// are reported once per change and retried every few seconds.
    pub async fn run(self, sink: InputSink) {
        let mut last_error = String::new();
        loop {
            match self.read_device(&sink).await {
                Ok(()) => return,
                Err(e) => {
                    let text = format!("{}: {e}", self.path.display());
                    if text != last_error {
                        tracing::warn!("scanner {text}; retrying");
                        last_error = text;
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    }

    async fn read_device(&self, sink: &InputSink) -> std::io::Result<()> {
        let mut device = evdev::Device::open(&self.path)?;
        // Exclusive: the scanner's keys go to us only, never to the UI or a console.
        device.grab()?;
        tracing::info!("scanner {} opened", self.path.display());
        let mut events = device.into_event_stream()?;
        let mut decoder = KeyDecoder::new(self.gap_ms).with_layout(self.layout);
        let gap = Duration::from_millis(self.gap_ms * 2);
        loop {
            match tokio::time::timeout(gap, events.next_event()).await {
                Err(_) => {
                    if let Some(line) = decoder.flush()
                        && !sink.send(Input::Scan(line))
                    {
                        return Ok(());
                    }
                }
                Ok(Err(e)) => return Err(e),
                Ok(Ok(ev)) => {
                    let time_us = ev
                        .timestamp()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
                        .unwrap_or(0);
                    let raw = RawEvent {
                        time_us,
                        kind: ev.event_type().0,
                        code: ev.code(),
                        value: ev.value(),
                    };
                    for line in decoder.feed(raw) {
                        if !sink.send(Input::Scan(line)) {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

/// Keyboard-like input devices, by their stable paths, for `kiosk doctor`.
pub fn list_keyboards(by_id: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(by_id) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("-event-kbd"))
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_garbled_record_with_huge_times_is_read_without_overflow() {
        // Found by fuzzing: seconds near i64::MAX.
        let mut bytes = vec![0xff_u8; 8];
        bytes[7] = 0x7f;
        bytes.extend_from_slice(&[0xff; 8]);
        bytes.extend_from_slice(&[1, 0, 30, 0, 1, 0, 0, 0]);
        let events = parse_events(&bytes);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].time_us, u64::MAX);
        assert_eq!(
            (events[0].kind, events[0].code, events[0].value),
            (1, 30, 1)
        );
    }

    fn decode_all(bytes: &[u8], gap_ms: u64) -> Vec<String> {
        let mut d = KeyDecoder::new(gap_ms);
        let mut out = Vec::new();
        for e in parse_events(bytes) {
            out.extend(d.feed(e));
        }
        out.extend(d.flush());
        out
    }

    #[test]
    fn a_recorded_stream_of_a_token_scan_decodes_with_shift() {
        let token = "YC1AAAQBGEWQFVQJ46554WDYKTFUG6XW7BYKMCHISF6NGLZ76QDFBJ55Y4UZF6CABBONXYA32HDUJECNUC5GYOHAX5HB3YCR3GKG6S2XPDVZ44MWUME7QKOQBQ";
        let stream = encode_events(&synthesize_scan(token, 1_700_000_000_000_000, 2_000, true));
        assert_eq!(stream.len() % EVENT_SIZE, 0);
        assert_eq!(decode_all(&stream, DEFAULT_GAP_MS), vec![token.to_string()]);
    }

    #[test]
    fn two_scans_without_enter_are_split_by_the_pause_between_them() {
        let mut events = synthesize_scan("10000001", 0, 3_000, false);
        events.extend(synthesize_scan("10000002", 500_000, 3_000, false));
        let stream = encode_events(&events);
        assert_eq!(
            decode_all(&stream, DEFAULT_GAP_MS),
            vec!["10000001", "10000002"]
        );
    }

    #[test]
    fn keypad_digits_caps_lock_and_a_truncated_record_are_handled() {
        let mut events = vec![RawEvent {
            time_us: 0,
            kind: EV_KEY,
            code: KEY_CAPSLOCK,
            value: 1,
        }];
        events.extend(synthesize_scan("yc", 10, 1_000, false));
        for (i, code) in [79u16, 80, 81].iter().enumerate() {
            events.push(RawEvent {
                time_us: 5_000 + i as u64,
                kind: EV_KEY,
                code: *code,
                value: 1,
            });
        }
        events.push(RawEvent {
            time_us: 6_000,
            kind: EV_KEY,
            code: KEY_KPENTER,
            value: 1,
        });
        let mut stream = encode_events(&events);
        stream.extend_from_slice(&[1, 2, 3]); // a record cut short by an unplug
        assert_eq!(decode_all(&stream, DEFAULT_GAP_MS), vec!["YC123"]);
    }

    #[test]
    fn a_scanner_set_to_a_french_or_german_layout_decodes_with_that_layout_only() {
        let token = "YC1AAAQBGEWQFVQJ46554WDYKTFUG6XW7BYKMCHISF6NGLZ76QDFBJ55Y4UZF6CABBONXYA32HDUJECNUC5GYOHAX5HB3YCR3GKG6S2XPDVZ44MWUME7QKOQBQ";
        for layout in [Layout::Fr, Layout::De] {
            let stream = encode_events(&synthesize_scan_in(layout, token, 0, 2_000, true));
            let mut right = KeyDecoder::new(DEFAULT_GAP_MS).with_layout(layout);
            let mut wrong = KeyDecoder::new(DEFAULT_GAP_MS);
            let (mut got, mut garbled) = (Vec::new(), Vec::new());
            for e in parse_events(&stream) {
                got.extend(right.feed(e));
                garbled.extend(wrong.feed(e));
            }
            assert_eq!(got, vec![token.to_string()], "{layout:?}");
            // Read as US keys, the same stream is not the token: the setting matters.
            assert_ne!(garbled, got, "{layout:?}");
        }
    }

    #[test]
    fn an_idle_flush_ends_a_scan_only_after_the_gap() {
        let mut d = KeyDecoder::new(80);
        for e in synthesize_scan("1234", 0, 1_000, false) {
            assert!(d.feed(e).is_empty());
        }
        assert_eq!(d.flush_if_idle(50_000), None);
        assert_eq!(d.flush_if_idle(200_000).as_deref(), Some("1234"));
    }

    #[test]
    fn opening_a_missing_device_is_an_error_not_a_panic() {
        let err = evdev::Device::open("/nonexistent/event-kbd").err();
        assert!(err.is_some());
        assert!(list_keyboards(Path::new("/nonexistent")).is_empty());
    }
}
