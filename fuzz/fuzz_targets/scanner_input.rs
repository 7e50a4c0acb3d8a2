//! Raw bytes from the devices: evdev event records (a USB scanner in
//! keyboard mode) through the key decoder in every layout, the serial line
//! assembler, and keys typed into the window.
#![no_main]

use kiosk::input::evdev::{KeyDecoder, parse_events};
use kiosk::input::keyboard::ScanBuffer;
use kiosk::input::keymap::Layout;
use kiosk::input::serial::LineAssembler;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for code in ["us", "de", "fr"] {
        let layout = Layout::from_code(code).unwrap_or_default();
        let mut decoder = KeyDecoder::new(80).with_layout(layout);
        for e in parse_events(data) {
            for line in decoder.feed(e) {
                assert!(line.chars().count() <= 4096, "a scan line without bound");
            }
        }
    }
    let mut serial = LineAssembler::default();
    let _ = serial.feed(data);
    let _ = serial.flush();
    let mut typed = ScanBuffer::default();
    let text = String::from_utf8_lossy(data);
    for (i, c) in text.chars().enumerate() {
        let _ = typed.key(&c.to_string(), i as i64);
    }
});
