//! What the kiosk holds of the board's memory, as the hub's fleet page
//! shows it: the proportional set size (PSS) of its own process, the
//! pages it alone maps counted whole and the shared ones in part.

/// This process's PSS in KiB, from `/proc/self/smaps_rollup` (Linux 4.14
/// and later); `None` where the kernel does not say.
pub fn own_pss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    pss_kib(&text)
}

/// The `Pss:` line of an smaps or smaps_rollup text, in KiB.
fn pss_kib(smaps_rollup: &str) -> Option<u64> {
    smaps_rollup.lines().find_map(|line| {
        let rest = line.strip_prefix("Pss:")?;
        let mut words = rest.split_whitespace();
        let kib = words.next()?.parse().ok()?;
        (words.next() == Some("kB")).then_some(kib)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_pss_line_and_nothing_else() {
        let text = "55d1c0a4e000-7ffd2b9f7000 ---p 00000000 00:00 0                          [rollup]\n\
                    Rss:               41236 kB\n\
                    Pss:               33391 kB\n\
                    Pss_Dirty:          6120 kB\n\
                    Pss_Anon:           5980 kB\n";
        assert_eq!(pss_kib(text), Some(33391));
        assert_eq!(pss_kib("Rss: 12 kB\nPss_Anon: 3 kB\n"), None);
        assert_eq!(pss_kib("Pss: many kB\n"), None);
        assert_eq!(pss_kib("Pss: 12 pages\n"), None);
    }

    #[test]
    fn this_process_has_a_pss() {
        let kib = own_pss_kib().expect("/proc/self/smaps_rollup on Linux");
        // A test program maps at least its own code.
        assert!(kib > 100, "{kib} KiB");
    }
}
