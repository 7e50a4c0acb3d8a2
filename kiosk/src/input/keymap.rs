//! Linux key codes to characters, as a barcode scanner in keyboard mode types them.
//!
//! Scanners emulate a US keyboard unless configured otherwise; some are set
//! to the layout of the keyboard they replace, so the German (QWERTZ) and
//! French (AZERTY) layouts are known too. Codes are the kernel's
//! (`linux/input-event-codes.h`). Only what codes and numbers need is mapped:
//! letters, digits, and the printable punctuation.

pub const KEY_ENTER: u16 = 28;
pub const KEY_KPENTER: u16 = 96;
pub const KEY_LEFTSHIFT: u16 = 42;
pub const KEY_RIGHTSHIFT: u16 = 54;
pub const KEY_CAPSLOCK: u16 = 58;

/// The keyboard layout a scanner types in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    #[default]
    Us,
    /// German QWERTZ: Y and Z swapped.
    De,
    /// French AZERTY: A/Q and Z/W swapped, M beside L, digits with Shift.
    Fr,
}

impl Layout {
    pub const NAMES: &'static str = "\"us\", \"de\" or \"fr\"";

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "us" => Some(Layout::Us),
            "de" => Some(Layout::De),
            "fr" => Some(Layout::Fr),
            _ => None,
        }
    }

    /// The character a key types in this layout, without and with Shift.
    pub fn char_for(self, code: u16, shift: bool) -> Option<char> {
        let own = match (self, code) {
            (Layout::Us, _) => None,
            (Layout::De, 21) => Some(('z', 'Z')),
            (Layout::De, 44) => Some(('y', 'Y')),
            (Layout::De, 12) => Some(('ß', '?')),
            (Layout::De, 53) => Some(('-', '_')),
            (Layout::Fr, 16) => Some(('a', 'A')),
            (Layout::Fr, 17) => Some(('z', 'Z')),
            (Layout::Fr, 30) => Some(('q', 'Q')),
            (Layout::Fr, 44) => Some(('w', 'W')),
            (Layout::Fr, 39) => Some(('m', 'M')),
            (Layout::Fr, 50) => Some((',', '?')),
            (Layout::Fr, 2..=11) => {
                let i = usize::from(code - 2);
                let plain = ['&', 'é', '"', '\'', '(', '-', 'è', '_', 'ç', 'à'][i];
                let digit = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'][i];
                Some((plain, digit))
            }
            _ => None,
        };
        match own {
            Some((plain, shifted)) => Some(if shift { shifted } else { plain }),
            None => char_for(code, shift),
        }
    }

    /// The key code and whether Shift is needed to type `c` in this layout.
    pub fn code_for(self, c: char) -> Option<(u16, bool)> {
        (1..=127u16).find_map(|code| {
            if self.char_for(code, false) == Some(c) && !(71..=82).contains(&code) {
                Some((code, false))
            } else if self.char_for(code, true) == Some(c) && self.char_for(code, false) != Some(c)
            {
                Some((code, true))
            } else {
                None
            }
        })
    }
}

/// The character a key types on a US keyboard, without and with Shift.
pub fn char_for(code: u16, shift: bool) -> Option<char> {
    let (plain, shifted) = match code {
        2 => ('1', '!'),
        3 => ('2', '@'),
        4 => ('3', '#'),
        5 => ('4', '$'),
        6 => ('5', '%'),
        7 => ('6', '^'),
        8 => ('7', '&'),
        9 => ('8', '*'),
        10 => ('9', '('),
        11 => ('0', ')'),
        12 => ('-', '_'),
        13 => ('=', '+'),
        16 => ('q', 'Q'),
        17 => ('w', 'W'),
        18 => ('e', 'E'),
        19 => ('r', 'R'),
        20 => ('t', 'T'),
        21 => ('y', 'Y'),
        22 => ('u', 'U'),
        23 => ('i', 'I'),
        24 => ('o', 'O'),
        25 => ('p', 'P'),
        26 => ('[', '{'),
        27 => (']', '}'),
        30 => ('a', 'A'),
        31 => ('s', 'S'),
        32 => ('d', 'D'),
        33 => ('f', 'F'),
        34 => ('g', 'G'),
        35 => ('h', 'H'),
        36 => ('j', 'J'),
        37 => ('k', 'K'),
        38 => ('l', 'L'),
        39 => (';', ':'),
        40 => ('\'', '"'),
        41 => ('`', '~'),
        43 => ('\\', '|'),
        44 => ('z', 'Z'),
        45 => ('x', 'X'),
        46 => ('c', 'C'),
        47 => ('v', 'V'),
        48 => ('b', 'B'),
        49 => ('n', 'N'),
        50 => ('m', 'M'),
        51 => (',', '<'),
        52 => ('.', '>'),
        53 => ('/', '?'),
        57 => (' ', ' '),
        // Keypad digits, which some scanners use for numbers.
        71 => ('7', '7'),
        72 => ('8', '8'),
        73 => ('9', '9'),
        75 => ('4', '4'),
        76 => ('5', '5'),
        77 => ('6', '6'),
        79 => ('1', '1'),
        80 => ('2', '2'),
        81 => ('3', '3'),
        82 => ('0', '0'),
        _ => return None,
    };
    Some(if shift { shifted } else { plain })
}

/// The key code and whether Shift is needed to type `c` on a US keyboard
/// (for tests and for recording synthetic streams).
pub fn code_for(c: char) -> Option<(u16, bool)> {
    Layout::Us.code_for(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_character_round_trips() {
        for c in "YC1ABCDEFGHIJKLMNOPQRSTUVWXYZ234567890abc-./".chars() {
            let (code, shift) = code_for(c).unwrap_or_else(|| panic!("{c} unmapped"));
            assert_eq!(char_for(code, shift), Some(c));
        }
    }

    #[test]
    fn every_token_character_round_trips_in_every_layout_and_the_layouts_differ() {
        for layout in [Layout::Us, Layout::De, Layout::Fr] {
            for c in "YC1ABCDEFGHIJKLMNOPQRSTUVWXYZ2345678901234567890-".chars() {
                let (code, shift) = layout
                    .code_for(c)
                    .unwrap_or_else(|| panic!("{c} unmapped in {layout:?}"));
                assert_eq!(layout.char_for(code, shift), Some(c), "{layout:?}");
            }
        }
        // The key a US keyboard calls Y types Z in Germany; digits need Shift in France.
        assert_eq!(Layout::De.char_for(21, false), Some('z'));
        assert_eq!(Layout::Fr.code_for('1'), Some((2, true)));
        assert_eq!(Layout::Fr.char_for(2, false), Some('&'));
        assert_eq!(Layout::from_code("fr"), Some(Layout::Fr));
        assert_eq!(Layout::from_code("azerty"), None);
    }
}
