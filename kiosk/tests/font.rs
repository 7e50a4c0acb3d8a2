//! The fonts the kiosk embeds (assets/fonts, a subset of Noto Sans CJK SC)
//! hold every character of its screens and its built-in content, in both
//! weights: the kiosk's own text never depends on the system's fonts (which
//! cover the rest: a rare character in a name or in published content).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir` ending in `ext`, tests left out.
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" {
                files(&path, ext, out);
            }
        } else if name.ends_with(ext) && name != "tests.rs" {
            out.push(path);
        }
    }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

#[test]
fn the_embedded_fonts_hold_every_character_of_the_screens_and_the_built_in_content() {
    let mut sources = Vec::new();
    for (dir, ext) in [
        ("kiosk/ui", ".slint"),
        ("kiosk/src", ".rs"),
        ("assets/content", ".json"),
        ("protocol/src", ".rs"),
    ] {
        files(&repo().join(dir), ext, &mut sources);
    }
    let used: BTreeSet<char> = sources
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .expect("read")
                .chars()
                .filter(|c| is_han(*c) || c.is_ascii_graphic())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(used.len() > 500, "the screens' characters: {}", used.len());
    for weight in ["Regular", "Bold"] {
        let path = repo().join(format!("assets/fonts/NotoSansSC-{weight}-Subset.otf"));
        let bytes = std::fs::read(&path).expect("font");
        let face = ttf_parser::Face::parse(&bytes, 0).expect("an OpenType font");
        let missing: String = used
            .iter()
            .filter(|c| face.glyph_index(**c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "{weight} lacks {missing:?}: run assets/fonts/make-subset.py (see assets/fonts/README.md)"
        );
        // The first level of GB2312 is in: 的 一 是, and a few from its end.
        for c in "的一是座做".chars() {
            assert!(face.glyph_index(c).is_some(), "{weight}: {c}");
        }
        // The screens' glyphs come first in the file, before those of
        // GB2312's other characters (鳖, 蜗: never on a screen), so a
        // screen reads a few hundred KB of the font, not all of it.
        let gid = |c: char| face.glyph_index(c).map_or(0, |g| g.0);
        let behind = "鳖蜗".chars().map(gid).min().unwrap_or(0);
        assert!(behind > 0 && !used.contains(&'鳖') && !used.contains(&'蜗'));
        let late: String = used.iter().filter(|c| gid(**c) > behind).collect();
        assert!(
            late.is_empty(),
            "{weight}: {late:?} lie among the rest of the font, not with the screens' \
             glyphs: run assets/fonts/make-subset.py --again (see assets/fonts/README.md)"
        );
    }
}
