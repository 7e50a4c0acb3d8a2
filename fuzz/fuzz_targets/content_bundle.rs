//! Content from the hub: the bundle's JSON and its pictures must be
//! accepted or refused with a reason, never crash or take unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kiosk::content::ContentBundle::parse(&String::from_utf8_lossy(data));
    let _ = kiosk::content::image::decode(data);
});
