//! What a line from a scanner means: a member token, a member number, or garbage.

use super::{Credential, Refusal};

/// Longest input treated as a scan; anything longer is not ours.
const MAX_SCAN_LEN: usize = 512;

/// Classifies one scanned line. Whitespace and control characters that some
/// scanners add (CR, tab, a trailing NUL) are ignored.
/// What the QR code of an enrollment code says (the hub's kiosks page shows
/// it): `YCE1 <hub address> <code>`. The hub's address and the code, when
/// the line is one.
pub fn enroll_payload(text: &str) -> Option<(String, String)> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("YCE1"), Some(hub), Some(code), None)
            if (hub.starts_with("http://") || hub.starts_with("https://"))
                && hub.len() <= 200
                && code.len() <= 20 =>
        {
            Some((hub.to_string(), code.to_string()))
        }
        _ => None,
    }
}

pub fn parse(text: &str) -> Result<Credential, Refusal> {
    if text.len() > MAX_SCAN_LEN {
        return Err(Refusal::Garbled);
    }
    let t: String = text.chars().filter(|c| !c.is_control()).collect();
    let t = t.trim();
    if protocol::token::looks_like_token(t) {
        return Ok(Credential::Token(t.to_string()));
    }
    if (4..=10).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u32>()
            .map(Credential::MemberNumber)
            .map_err(|_| Refusal::Garbled);
    }
    Err(Refusal::Garbled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_numbers_tokens_and_garbage() {
        assert_eq!(
            parse("10000001\r"),
            Ok(Credential::MemberNumber(10_000_001))
        );
        assert_eq!(parse(" 1234 "), Ok(Credential::MemberNumber(1234)));
        assert!(matches!(parse("YC1ABC"), Ok(Credential::Token(_))));
        assert!(matches!(parse("yc1abc"), Ok(Credential::Token(_))));
        for bad in [
            "",
            "12",
            "99999999999",
            "hello",
            "4294967296",
            "１２３４５",
            "12 34",
        ] {
            assert_eq!(parse(bad), Err(Refusal::Garbled), "{bad:?}");
        }
        assert_eq!(parse(&"1".repeat(2000)), Err(Refusal::Garbled));
    }

    #[test]
    fn an_enrollment_code_is_told_from_a_credential() {
        assert_eq!(
            enroll_payload("YCE1 https://hub.example ABCD-EFGH"),
            Some(("https://hub.example".into(), "ABCD-EFGH".into()))
        );
        for not_one in [
            "YCE1 hub.example ABCD-EFGH",
            "YCE1 https://hub.example",
            "YCE1 https://hub.example ABCD-EFGH extra",
            "10000001",
        ] {
            assert_eq!(enroll_payload(not_one), None, "{not_one}");
        }
        assert_eq!(
            parse("YCE1 https://hub.example ABCD-EFGH"),
            Err(Refusal::Garbled),
            "never a check-in"
        );
    }
}
