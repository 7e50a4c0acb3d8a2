//! Whatever a scanner types: the member token parser, its signature check
//! and the scan classifier must answer (a credential or a refusal), never
//! crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(token) = protocol::token::ParsedToken::parse(&text) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]).verifying_key();
        let _ = token.verify(|_| Some(key), 1_795_483_800);
    }
    let _ = kiosk::checkin::scan::parse(&text);
});
