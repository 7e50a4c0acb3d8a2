#!/usr/bin/env python3
"""Builds the CJK font the kiosk embeds: Noto Sans CJK SC cut down to GB2312.

A bare board has no CJK font, so the kiosk carries one. The full Noto Sans CJK
collection is ~20 MB per weight; GB2312 (6,763 hanzi plus symbols) with Latin
and punctuation covers the text centers publish and keeps each weight near
2.5 MB. Characters outside the subset fall back to any system font (install
fonts-noto-cjk on the board for full coverage).

Usage (Debian: apt-get install fonts-noto-cjk; pip install fonttools):
    python3 assets/fonts/make-subset.py
"""
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

SRC = pathlib.Path("/usr/share/fonts/opentype/noto")
OUT = pathlib.Path(__file__).resolve().parent


def gb2312() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.update(ord(c) for c in bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def codepoints() -> list[int]:
    cps = gb2312()
    cps.update(range(0x20, 0x7F))  # ASCII
    cps.update(range(0xA0, 0x180))  # Latin-1 and Latin Extended-A
    cps.update(range(0x2000, 0x2070))  # general punctuation
    cps.update(range(0x2190, 0x2200))  # arrows
    cps.update(range(0x2460, 0x24FF))  # circled numbers
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    cps.update(range(0xFF00, 0xFFF0))  # full-width forms
    for extra in "喆昇堃婧琨珺玥锜旻晔甦淼犇珏琰瑄钰垚":  # frequent in given names, not in GB2312
        cps.add(ord(extra))
    return sorted(cps)


def main() -> int:
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
        out = OUT / f"NotoSansSC-{weight}-GB2312.otf"
        font.save(str(out))
        print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB, {len(cps)} code points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
