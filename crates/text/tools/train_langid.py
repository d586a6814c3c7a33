#!/usr/bin/env python3
"""Train vigil-text's compact language-ID model from Debian gettext catalogs.

Usage (from the repository root, after `apt-get install` of the packages listed in
crates/text/tools/langid_train_packages.txt and .ci/apt-packages):

    python3 crates/text/tools/train_langid.py > crates/text/src/langid_model.bin.tmp \
        && mv crates/text/src/langid_model.bin.tmp crates/text/src/langid_model.bin

Data: translated strings (msgstr) of every installed .mo catalog under
/usr/share/locale/<lang>/LC_MESSAGES/, except the TEST domains below; English
comes from the msgids of the same catalogs. Any training string whose msgid also
occurs in a test catalog is dropped, so train and test are disjoint in source text.
The features and the hash must match src/langid.rs exactly.
"""
import glob, math, os, struct, sys, unicodedata

LANGS = ["ar", "en", "ru", "fr", "de", "tr", "uz", "kk", "fa", "ur", "id", "es"]
# Locale directories read for each label (uz@cyrillic is labelled uz).
LOCALES = {l: [l] for l in LANGS if l != "en"}
LOCALES["uz"] = ["uz", "uz@cyrillic"]
TEST_DOMAINS = {
    "nautilus", "mate-panel", "mate-desktop", "thunar", "xfce4-session", "xfce4-panel",
    "libxfce4ui", "gnome-control-center-2.0", "evince", "gedit", "gnome-software", "zenity",
}
BITS = 16
SCALE = 16.0
ALPHA = 0.05
MAX_LETTERS = 400


def read_mo(path):
    b = open(path, "rb").read()
    if len(b) < 20:
        return []
    magic = struct.unpack("<I", b[:4])[0]
    e = "<" if magic == 0x950412DE else ">"
    _, _, n, oo, to = struct.unpack(e + "5I", b[:20])
    out = []
    for i in range(n):
        ol, op = struct.unpack(e + "2I", b[oo + 8 * i: oo + 8 * i + 8])
        tl, tp = struct.unpack(e + "2I", b[to + 8 * i: to + 8 * i + 8])
        k = b[op: op + ol].split(b"\0")[0].decode("utf-8", "replace")
        v = b[tp: tp + tl].split(b"\0")[0].decode("utf-8", "replace")
        if "\x04" in k:
            k = k.split("\x04", 1)[1]
        out.append((k, v))
    return out


def words(text):
    """Letters lowercased; marks and format chars skipped; everything else splits words."""
    cur, out, letters = [], [], 0
    for c in text:
        cat = unicodedata.category(c)
        if cat[0] == "L":
            if letters >= MAX_LETTERS:
                break
            cur.append(c.lower())
            letters += 1
        elif cat[0] == "M" or cat == "Cf":
            continue
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def fnv1a(s):
    h = 0x811C9DC5
    for byte in s.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def features(text):
    for w in words(text):
        p = " " + w + " "
        for n in (1, 2, 3):
            for i in range(len(p) - n + 1):
                g = p[i: i + n]
                if g == " ":
                    continue
                yield fnv1a(g) & ((1 << BITS) - 1)


def domain(path):
    return os.path.basename(path)[:-3]


def main():
    test_msgids = set()
    for path in glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo"):
        if domain(path) in TEST_DOMAINS:
            test_msgids.update(k for k, _ in read_mo(path) if k)
    data = {l: [] for l in LANGS}
    en_seen = set()
    for l, locs in LOCALES.items():
        for loc in locs:
            for path in sorted(glob.glob(f"/usr/share/locale/{loc}/LC_MESSAGES/*.mo")):
                if domain(path) in TEST_DOMAINS or domain(path).startswith("iso_"):
                    continue
                for k, v in read_mo(path):
                    if not k or not v or k in test_msgids:
                        continue
                    data[l].append(v)
                    if k not in en_seen:
                        en_seen.add(k)
                        data["en"].append(k)
    nb = 1 << BITS
    table = bytearray(nb * len(LANGS))
    for li, l in enumerate(LANGS):
        counts = [0] * nb
        total = 0
        for s in data[l]:
            for f in features(s):
                counts[f] += 1
                total += 1
        print(f"{l}: {len(data[l])} strings, {total} features", file=sys.stderr)
        denom = total + ALPHA * nb
        for b in range(nb):
            q = -math.log((counts[b] + ALPHA) / denom) * SCALE
            table[b * len(LANGS) + li] = min(255, int(round(q)))
    sys.stdout.buffer.write(b"VLID1\0" + bytes([len(LANGS), BITS]) + table)


if __name__ == "__main__":
    main()
