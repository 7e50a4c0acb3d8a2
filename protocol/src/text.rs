//! Text from outside (typed at a door, scanned, sent by a kiosk) as both
//! ends keep it and hand it on.

use std::borrow::Cow;

/// A label typed or scanned at a door, as both ends keep it: control
/// characters (terminal escape sequences, U+0080–U+009F, line breaks) become
/// spaces, runs of spaces one, at most `max_chars` characters, trimmed. A
/// scanner gone wrong cannot make an event too large to send, or print
/// escape sequences on an admin's terminal.
pub fn clean_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut chars = 0;
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if chars == max_chars {
            break;
        }
        out.push(c);
        chars += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// A cell as a CSV file carries it to a spreadsheet program: one that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula
/// to Excel and WPS, so it gets a leading `'` and is shown as text. (XLSX
/// cells are typed as strings and need nothing.)
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_go_and_long_text_is_cut_at_a_character() {
        assert_eq!(
            clean_text("  读书会\u{1b}[2J\u{1b}]0;x\u{7} 周六\r\n", 200),
            "读书会 [2J ]0;x 周六"
        );
        assert_eq!(clean_text("a\u{85}b\u{9b}c\u{80}", 200), "a b c");
        assert_eq!(clean_text(&"志".repeat(600_000), 200).chars().count(), 200);
        assert_eq!(clean_text("ab   cd", 4), "ab c");
        assert_eq!(clean_text("ab  ", 3), "ab");
        assert_eq!(clean_text("\u{1b}\u{1b}", 10), "");
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_quoted() {
        for bad in [
            "=1+1",
            "+86 571",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(spreadsheet_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["林同学", "10000001", "", "a=b", "2026-12-02"] {
            assert_eq!(spreadsheet_cell(fine), fine);
        }
    }
}
