//! A keyboard-wedge scanner types a code then Enter; this turns keystrokes into scan lines.
//!
//! Keys arrive one by one from the window. A pause longer than [`STALE_AFTER_MS`]
//! drops half-typed input, so a stray key pressed by a passer-by does not
//! spoil the next youth's scan.

/// Input older than this is forgotten when the next key arrives.
pub const STALE_AFTER_MS: i64 = 2_000;
const MAX_LEN: usize = 512;

#[derive(Debug, Default)]
pub struct ScanBuffer {
    text: String,
    last_key_ms: i64,
}

impl ScanBuffer {
    /// Feeds the text of one key event; returns a finished line on Enter.
    pub fn key(&mut self, key_text: &str, now_ms: i64) -> Option<String> {
        if now_ms - self.last_key_ms > STALE_AFTER_MS {
            self.text.clear();
        }
        self.last_key_ms = now_ms;
        let mut done = None;
        for c in key_text.chars() {
            match c {
                '\n' | '\r' => {
                    let line = std::mem::take(&mut self.text);
                    if !line.trim().is_empty() {
                        done = Some(line);
                    }
                }
                // Backspace, for someone typing a member number by hand.
                '\u{8}' | '\u{7f}' => {
                    self.text.pop();
                }
                // Modifier and function keys arrive as private-use characters.
                c if c.is_control() || ('\u{E000}'..='\u{F8FF}').contains(&c) => {}
                c if self.text.len() < MAX_LEN => self.text.push(c),
                _ => {}
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_ends_at_enter_and_modifiers_are_ignored() {
        let mut b = ScanBuffer::default();
        let mut out = None;
        for (i, k) in ["1", "\u{F701}", "2", "3", "4", "\n"].iter().enumerate() {
            out = b.key(k, 100 + i as i64);
        }
        assert_eq!(out.as_deref(), Some("1234"));
        assert_eq!(b.key("\r", 200), None, "an empty line is no scan");
    }

    #[test]
    fn stale_input_is_dropped_and_backspace_edits() {
        let mut b = ScanBuffer::default();
        b.key("9", 0);
        b.key("9", 10);
        assert_eq!(b.key("1", 5_000), None);
        b.key("2", 5_010);
        b.key("x", 5_020);
        b.key("\u{8}", 5_030);
        assert_eq!(b.key("\n", 5_040).as_deref(), Some("12"));
    }
}
