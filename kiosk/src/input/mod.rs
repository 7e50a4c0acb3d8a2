//! Input sources: everything that can present a credential at the door.
//!
//! Each source runs on its own (a tokio task or a thread) and sends [`Input`]
//! to one [`InputSink`]; the UI or the headless loop turns it into a
//! `Credential` for the engine. Sources never decide anything themselves.
//!
//! - [`keyboard`]: keys typed into the kiosk window (a wedge scanner, or a person).
//! - [`evdev`]: USB HID scanners, grabbed so their keys never reach the UI.
//! - [`serial`]: serial (USB-CDC) scanners on a tty.
//! - [`pcsc`]: NFC/RFID readers through pcscd; one tap gives one card UID.

pub mod evdev;
pub mod keyboard;
pub mod keymap;
pub mod pcsc;
pub mod serial;

use std::sync::Arc;

use crate::checkin::{Credential, Refusal};

/// What a source saw.
#[derive(Clone, PartialEq, Eq)]
pub enum Input {
    /// A line from a scanner: a member code or number, or garbage.
    Scan(String),
    /// A card's UID from a reader.
    CardUid(Vec<u8>),
}

// A UID or a token must never reach a log line in clear.
impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Scan(s) => write!(f, "Scan({} chars)", s.chars().count()),
            Input::CardUid(u) => write!(f, "CardUid({} bytes)", u.len()),
        }
    }
}

impl Input {
    pub fn into_credential(self) -> Result<Credential, Refusal> {
        match self {
            Input::Scan(line) => crate::checkin::scan::parse(&line),
            Input::CardUid(uid) => Ok(Credential::CardUid(uid)),
        }
    }
}

/// Where sources deliver; returns false once nobody listens any more.
#[derive(Clone)]
pub struct InputSink(Arc<dyn Fn(Input) -> bool + Send + Sync>);

impl InputSink {
    pub fn new(f: impl Fn(Input) -> bool + Send + Sync + 'static) -> Self {
        InputSink(Arc::new(f))
    }

    /// A sink feeding a channel.
    pub fn channel(tx: std::sync::mpsc::Sender<Input>) -> Self {
        let tx = std::sync::Mutex::new(tx);
        InputSink::new(move |input| tx.lock().map(|tx| tx.send(input).is_ok()).unwrap_or(false))
    }

    pub fn send(&self, input: Input) -> bool {
        (self.0)(input)
    }
}

/// The devices to read, from the kiosk's settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Devices {
    pub hid_scanners: Vec<std::path::PathBuf>,
    /// The keyboard layout the HID scanners are set to type in.
    pub hid_layout: keymap::Layout,
    pub serial_scanners: Vec<std::path::PathBuf>,
    /// `None`: no card readers; `Some("")`: every reader; else one reader's name.
    pub card_readers: Option<String>,
}

impl Devices {
    pub fn is_empty(&self) -> bool {
        self.hid_scanners.is_empty()
            && self.serial_scanners.is_empty()
            && self.card_readers.is_none()
    }

    /// Starts one task or thread per device on `rt`, all feeding `sink`.
    pub fn start(&self, rt: &tokio::runtime::Runtime, sink: &InputSink) {
        for path in &self.hid_scanners {
            rt.spawn(evdev::HidScanner::new(path.clone(), self.hid_layout).run(sink.clone()));
        }
        for path in &self.serial_scanners {
            let (path, sink) = (path.clone(), sink.clone());
            std::thread::Builder::new()
                .name("serial-scanner".into())
                .spawn(move || serial::SerialScanner::new(path).run(&sink))
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!("cannot start the serial scanner thread: {e}"));
        }
        if let Some(name) = &self.card_readers {
            let (name, sink) = (name.clone(), sink.clone());
            std::thread::Builder::new()
                .name("card-readers".into())
                .spawn(move || pcsc::CardReaders::new(name).run(&sink))
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!("cannot start the card reader thread: {e}"));
        }
    }
}
