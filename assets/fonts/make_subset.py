#!/usr/bin/env python3
"""Rebuilds NotoSansSC-Pledger.otf: Noto Sans CJK SC Regular cut down to GB2312, Latin,
punctuation and every character of Pledger's sources and fixtures.

Needs Debian's fonts-noto-cjk and `pip install fonttools`. Run from the repository root:
    python3 assets/fonts/make_subset.py
"""
import glob
import subprocess

chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for start, end in [(0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x20A0, 0x20C0),
                   (0x2100, 0x2300), (0x25A0, 0x2600), (0x3000, 0x3040), (0xFF00, 0xFFF0)]:
    chars.update(chr(c) for c in range(start, end))
for path in glob.glob("src/**/*.rs", recursive=True) + glob.glob("fixtures/**/*.csv", recursive=True) \
        + glob.glob("assets/**/*.typ", recursive=True) + ["assets/fonts/subset-chars.txt"]:
    try:
        chars.update(open(path, encoding="utf-8").read())
    except (UnicodeDecodeError, FileNotFoundError):
        pass
chars = sorted(c for c in chars if ord(c) >= 0x20)
with open("assets/fonts/subset-chars.txt", "w", encoding="utf-8") as out:
    out.write("".join(chars))
subprocess.run([
    "pyftsubset", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "--font-number=2",
    "--text-file=assets/fonts/subset-chars.txt", "--output-file=assets/fonts/NotoSansSC-Pledger.otf",
    "--layout-features=kern", "--no-hinting", "--desubroutinize",
], check=True)
print(f"{len(chars)} characters")
