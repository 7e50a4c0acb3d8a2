//! What the kiosk holds of the board's memory, as the hub's fleet page
//! shows it: the proportional set size (PSS) of its own process, the
//! pages it alone maps counted whole and the shared ones in part. Its
//! journal says what holds it, by kind of mapping, when it starts and when
//! it has grown by a quarter.

use std::sync::atomic::{AtomicU64, Ordering};

/// This process's PSS in KiB, from `/proc/self/smaps_rollup` (Linux 4.14
/// and later); `None` where the kernel does not say.
pub fn own_pss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let kib = pss_kib(&text)?;
    log_when_grown(kib);
    Some(kib)
}

/// The PSS last written to the journal, KiB.
static LOGGED_KIB: AtomicU64 = AtomicU64::new(0);

/// Writes what holds the memory to the journal the first time, and again
/// whenever it has grown by a quarter since (a leak shows there with its
/// kind before the hub's alert).
fn log_when_grown(kib: u64) {
    let logged = LOGGED_KIB.load(Ordering::Relaxed);
    if logged != 0 && kib < logged + logged / 4 {
        return;
    }
    LOGGED_KIB.store(kib, Ordering::Relaxed);
    let program = std::env::current_exe().ok();
    let by_kind = std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .map(|smaps| Breakdown::of(&smaps, program.as_deref()));
    match by_kind {
        Some(b) => tracing::info!(
            "memory: {kib} KiB (PSS): the program {} KiB, fonts {}, heap and anonymous {}, \
             libraries {}, other {}",
            b.program,
            b.fonts,
            b.anonymous,
            b.libraries,
            b.other
        ),
        None => tracing::info!("memory: {kib} KiB (PSS)"),
    }
}

/// The `Pss:` line of an smaps or smaps_rollup text, in KiB.
fn pss_kib(smaps_rollup: &str) -> Option<u64> {
    smaps_rollup.lines().find_map(pss_line)
}

fn pss_line(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("Pss:")?;
    let mut words = rest.split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

/// A process's PSS by what its mappings are, KiB.
#[derive(Debug, Default, PartialEq, Eq)]
struct Breakdown {
    /// The kiosk's own executable: its code, data and relocations.
    program: u64,
    /// Font files (the system's, read through fontconfig).
    fonts: u64,
    /// The heap, stacks and other anonymous memory.
    anonymous: u64,
    /// Shared libraries.
    libraries: u64,
    /// Everything else: devices' buffers, the vDSO, memory files.
    other: u64,
}

impl Breakdown {
    /// From `/proc/PID/smaps`: each mapping's header line, then its
    /// fields; `program` is the executable's path.
    fn of(smaps: &str, program: Option<&std::path::Path>) -> Breakdown {
        let mut b = Breakdown::default();
        let mut kind: fn(&mut Breakdown) -> &mut u64 = |b| &mut b.other;
        for line in smaps.lines() {
            if let Some(kib) = pss_line(line) {
                *kind(&mut b) += kib;
                continue;
            }
            // A mapping's header: "start-end perms offset dev inode [path]".
            let mut fields = line.split_whitespace();
            let is_header = fields
                .next()
                .is_some_and(|range| range.contains('-') && !range.ends_with(':'));
            if !is_header {
                continue;
            }
            let path = line.splitn(6, char::is_whitespace).nth(5).unwrap_or("");
            let path = path.trim();
            let lower = path.to_ascii_lowercase();
            kind = if path.is_empty()
                || path.starts_with("[heap]")
                || path.starts_with("[stack")
                || path.starts_with("[anon")
            {
                |b| &mut b.anonymous
            } else if program.is_some_and(|p| std::path::Path::new(path) == p) {
                |b| &mut b.program
            } else if [".otf", ".ttf", ".ttc", ".otc"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                |b| &mut b.fonts
            } else if lower.contains(".so") {
                |b| &mut b.libraries
            } else {
                |b| &mut b.other
            };
        }
        b
    }
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
    fn sums_each_mapping_by_its_kind() {
        let smaps = "\
55d000000000-55d000100000 r-xp 00000000 fe:00 11 /usr/bin/kiosk
Rss:                1024 kB
Pss:                1000 kB
Pss_Dirty:            10 kB
55d000100000-55d000200000 r--p 00100000 fe:00 11 /usr/bin/kiosk
Pss:                 500 kB
55d001000000-55d001400000 rw-p 00000000 00:00 0 [heap]
Pss:                2000 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0
Pss:                 300 kB
7f0000100000-7f0000400000 r--p 00000000 fe:00 12 /usr/share/fonts/opentype/youth-kiosk/NotoSansSC-Regular-Subset.otf
Pss:                2600 kB
7f0000400000-7f0000500000 r-xp 00000000 fe:00 13 /usr/lib/x86_64-linux-gnu/libc.so.6
Pss:                 700 kB
7f0000500000-7f0000600000 rw-s 00000000 00:06 14 /dev/dri/card0
Pss:                  80 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
VmFlags: rd wr mr mw me gd ac
Pss:                  40 kB
";
        let b = Breakdown::of(smaps, Some(std::path::Path::new("/usr/bin/kiosk")));
        assert_eq!(
            b,
            Breakdown {
                program: 1500,
                fonts: 2600,
                anonymous: 2340,
                libraries: 700,
                other: 80,
            }
        );
        // Without knowing its own path, the program is "other".
        assert_eq!(Breakdown::of(smaps, None).other, 1580);
    }

    #[test]
    fn this_process_has_a_pss_and_its_breakdown_adds_up() {
        let kib = own_pss_kib().expect("/proc/self/smaps_rollup on Linux");
        // A test program maps at least its own code.
        assert!(kib > 100, "{kib} KiB");
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let exe = std::env::current_exe().expect("exe");
        let b = Breakdown::of(&smaps, Some(&exe));
        assert!(b.program > 0, "{b:?}");
        let sum = b.program + b.fonts + b.anonymous + b.libraries + b.other;
        // Read a moment apart, the two agree within a few pages.
        assert!(sum.abs_diff(kib) < kib / 10, "{sum} against {kib}: {b:?}");
    }
}
