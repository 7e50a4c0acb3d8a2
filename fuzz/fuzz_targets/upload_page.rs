//! An upload page as the hub receives it: the page, and each event on its
//! own (the hub sets an unreadable event aside rather than refusing the
//! page), must parse or fail, never crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::wire::{Event, EventPage};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<EventPage>(data);
    if let Ok(serde_json::Value::Object(page)) = serde_json::from_slice::<serde_json::Value>(data)
        && let Some(serde_json::Value::Array(events)) = page.get("events")
    {
        for raw in events {
            let _ = serde_json::from_value::<Event>(raw.clone());
        }
    }
});
