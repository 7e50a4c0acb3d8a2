//! Linux key codes to characters, as a barcode scanner in keyboard mode types them.
//!
//! Scanners emulate a US keyboard unless configured otherwise; codes are the
//! kernel's (`linux/input-event-codes.h`). Only what codes and numbers need
//! is mapped: letters, digits, and the printable US punctuation.

pub const KEY_ENTER: u16 = 28;
pub const KEY_KPENTER: u16 = 96;
pub const KEY_LEFTSHIFT: u16 = 42;
pub const KEY_RIGHTSHIFT: u16 = 54;
pub const KEY_CAPSLOCK: u16 = 58;

/// The character a key types, without and with Shift.
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

/// The key code and whether Shift is needed to type `c` (for tests and for
/// recording synthetic streams).
pub fn code_for(c: char) -> Option<(u16, bool)> {
    (1..=127u16).find_map(|code| {
        if char_for(code, false) == Some(c) && !(71..=82).contains(&code) {
            Some((code, false))
        } else if char_for(code, true) == Some(c) && char_for(code, false) != Some(c) {
            Some((code, true))
        } else {
            None
        }
    })
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
}
