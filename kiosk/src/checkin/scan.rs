//! What a line from a scanner means: a member token, a member number, or garbage.

use super::{Credential, Refusal};

/// Longest input treated as a scan; anything longer is not ours.
const MAX_SCAN_LEN: usize = 512;

/// Classifies one scanned line. Whitespace and control characters that some
/// scanners add (CR, tab, a trailing NUL) are ignored.
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
}
