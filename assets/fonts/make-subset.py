#!/usr/bin/env python3
"""Builds the CJK fonts the kiosk embeds: Noto Sans CJK SC cut down.

A board's image carries Debian's complete Noto Sans CJK (fonts-noto-cjk), so
the embedded fonts only need what the kiosk itself shows: every character of
its screens and its built-in content (read from the sources), GB2312's first
level (the 3,755 most frequent hanzi, which covers most names and the text
centers publish) with its symbols, Latin and punctuation. A character outside
them is drawn from the system's font. Each weight is about 1.5 MB (the whole
GB2312 was 3 MB each).

The glyphs of the screens' own characters come first in each file: a
font's glyphs lie in the order of their characters, so the few hundred a
screen draws were spread over the whole file, and the kernel maps 64 KB
around each one read: nearly all of each file stayed mapped. Together,
they keep about 0.5 MB of each 1.7 MB file in memory.

Usage (Debian's fonts-noto-cjk, and fontTools 4.47 or later for reordering
glyphs: python3 -m venv /tmp/ft && /tmp/ft/bin/pip install 'fonttools>=4.47'):
    /tmp/ft/bin/python assets/fonts/make-subset.py
    /tmp/ft/bin/python assets/fonts/make-subset.py --again   (names and order of the files as they are)
"""
import pathlib
import re
import sys

from fontTools import subset
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTCollection, TTFont
from fontTools.ttLib.reorderGlyphs import reorderGlyphs

SRC = pathlib.Path("/usr/share/fonts/opentype/noto")
OUT = pathlib.Path(__file__).resolve().parent
REPO = OUT.parent.parent
# Where the kiosk's own text lives: its screens, their strings in the code,
# the content it shows before any is published, the catalogue's names.
SOURCES = [
    ("kiosk/ui", "*.slint"),
    ("kiosk/src", "*.rs"),
    ("assets/content", "*.json"),
    ("protocol/src", "*.rs"),
]
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def gb2312(rows: range) -> set[int]:
    chars = set()
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                chars.update(ord(c) for c in bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def used_in_sources() -> set[int]:
    chars = set()
    for folder, pattern in SOURCES:
        for path in sorted((REPO / folder).rglob(pattern)):
            if "/tests" in str(path) or path.name == "tests.rs":
                continue
            chars.update(ord(c) for c in HAN.findall(path.read_text(encoding="utf-8")))
    return chars


def on_the_screens() -> set[int]:
    """What the kiosk's screens and built-in content draw: their hanzi,
    ASCII, punctuation and full-width forms."""
    cps = used_in_sources()
    cps.update(range(0x20, 0x7F))
    cps.update(range(0x2000, 0x2070))
    cps.update(range(0x3000, 0x3040))
    cps.update(range(0xFF00, 0xFFF0))
    return cps


def codepoints() -> list[int]:
    cps = gb2312(range(0xA1, 0xAA))  # GB2312's symbols, kana, Greek, Cyrillic
    cps |= gb2312(range(0xB0, 0xD8))  # its first level of hanzi
    cps |= used_in_sources()
    cps.update(range(0x20, 0x7F))  # ASCII
    cps.update(range(0xA0, 0x180))  # Latin-1 and Latin Extended-A
    cps.update(range(0x2000, 0x2070))  # general punctuation
    cps.update(range(0x2190, 0x2200))  # arrows
    cps.update(range(0x2460, 0x24FF))  # circled numbers
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps.update(range(0xFF00, 0xFFF0))  # full-width forms
    return sorted(cps)


# The cut is a family of its own: a board's image carries it as a system
# font beside the complete Noto Sans CJK SC, which fontconfig then gives
# for any character the cut lacks (one family name for both would leave
# the choice between them to chance).
FAMILY = ("Noto Sans CJK SC", "Kiosk Sans SC")
POSTSCRIPT = ("NotoSansCJKsc", "KioskSansSC")


def rename(font) -> None:
    for record in font["name"].names:
        text = record.toUnicode()
        for old, new in (FAMILY, POSTSCRIPT):
            text = text.replace(old, new)
        record.string = text
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT[1] + "-" + font["name"].getDebugName(2)]


def screens_first(font, first: set[int]) -> int:
    """Puts the glyphs of the code points `first` right after .notdef (in
    code point order), the others after them as they were; checks every
    character still draws the same outline. Returns how many came first."""
    order = font.getGlyphOrder()
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    outline = {}
    for cp, name in cmap.items():
        pen = RecordingPen()
        glyphs[name].draw(pen)
        outline[cp] = (pen.value, glyphs[name].width)
    ahead = [".notdef"]
    for cp in sorted(first):
        name = cmap.get(cp)
        if name is not None and name not in ahead:
            ahead.append(name)
    taken = set(ahead)
    top = font["CFF "].cff.topDictIndex[0]
    # A CID-keyed font's glyphs each use one of its private dictionaries
    # (FDSelect, by glyph index): read them all in the old order, then give
    # the index its new order.
    fd = {name: top.FDSelect[i] for i, name in enumerate(order)}
    for name in order:
        top.CharStrings[name].decompile()
    new_order = ahead + [g for g in order if g not in taken]
    reorderGlyphs(font, new_order)
    top.FDSelect.gidArray = [fd[g] for g in new_order]
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    for cp, (value, width) in outline.items():
        pen = RecordingPen()
        glyphs[cmap[cp]].draw(pen)
        if (pen.value, glyphs[cmap[cp]].width) != (value, width):
            raise SystemExit(f"U+{cp:04X} draws differently after the reorder")
    return len(ahead) - 1


def main() -> int:
    first = on_the_screens()
    if sys.argv[1:] == ["--again"]:
        for weight in ("Regular", "Bold"):
            out = OUT / f"NotoSansSC-{weight}-Subset.otf"
            font = TTFont(str(out))
            rename(font)
            ahead = screens_first(font, first)
            font.recalcTimestamp = False  # the same bytes when nothing changed
            font.save(str(out))
            print(f"{out.name}: {font['name'].getDebugName(4)}, {ahead} glyphs first")
        return 0
    cps = codepoints()
    for weight in ("Regular", "Bold"):
        collection = TTCollection(str(SRC / f"NotoSansCJK-{weight}.ttc"))
        font = next(
            f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC"
        )
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=cps)
        subsetter.subset(font)
        rename(font)
        ahead = screens_first(font, first)
        out = OUT / f"NotoSansSC-{weight}-Subset.otf"
        font.recalcTimestamp = False  # Noto's own date: the same bytes each time
        font.save(str(out))
        print(
            f"{out.name}: {out.stat().st_size / 1e6:.2f} MB, {len(cps)} code points, "
            f"{ahead} glyphs first"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
