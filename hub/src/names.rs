//! Display names: what a kiosk may show of a member on a public screen.
//!
//! Never the full name. A Chinese name becomes surname + 同学 ("student"), the
//! usual polite address for a youth; a Latin-script name becomes the first
//! name and the initial of the last.

const COMPOUND_SURNAMES: [&str; 16] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "司徒", "令狐", "夏侯", "尉迟", "长孙",
    "宇文", "公孙", "端木", "南宫",
];
const MAX_CHARS: usize = 16;

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

pub fn display_name(full_name: &str) -> String {
    let name = full_name.trim();
    let name_shown = if name.chars().next().is_some_and(is_cjk) {
        let surname = COMPOUND_SURNAMES
            .iter()
            .find(|s| name.starts_with(*s) && name.chars().count() > 2)
            .map(|s| s.to_string())
            .unwrap_or_else(|| name.chars().take(1).collect());
        format!("{surname}同学")
    } else {
        let words: Vec<&str> = name.split_whitespace().collect();
        match words.as_slice() {
            [] => String::new(),
            [one] => one.to_string(),
            [first, .., last] => {
                let initial: String = last.chars().take(1).collect();
                format!("{first} {initial}.")
            }
        }
    };
    name_shown.chars().take(MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_become_surname_and_tongxue() {
        assert_eq!(display_name("林小雨"), "林同学");
        assert_eq!(display_name(" 欧阳明月 "), "欧阳同学");
        // Two characters starting like a compound surname: the first is the surname.
        assert_eq!(display_name("司马"), "司同学");
    }

    #[test]
    fn latin_names_keep_the_first_name_and_an_initial() {
        assert_eq!(display_name("Sam Taylor"), "Sam T.");
        assert_eq!(display_name("Mary Anne Smith"), "Mary S.");
        assert_eq!(display_name("Sam"), "Sam");
        assert_eq!(
            display_name("Bartholomew-Alexander Wright").chars().count(),
            16
        );
    }
}
