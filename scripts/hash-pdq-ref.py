#!/usr/bin/env python3
"""Reference PDQ via Meta's C++ (PyPI `pdqhash`) for vigil-hash differential tests and benches.

Modes (all output is TSV on stdout, hashes as 64 hex digits in Meta's order):
  hash-raw MANIFEST        MANIFEST lines: <path-to-raw-rgb>\t<width>\t<height>
                           prints: path, quality, hash, dihedral0..7
  decode OUTDIR IMAGE...   decodes each IMAGE with Pillow (EXIF orientation applied, RGB),
                           writes OUTDIR/<n>.rgb and prints: image, rawpath, width, height
  bench RAW W H SECONDS    hashes one raw image repeatedly; prints: images_per_s, mean_ms
  bench-decode IMAGE SECONDS  decodes one file with Pillow repeatedly; prints mean_ms
"""
import os
import sys
import time

import numpy as np
import pdqhash


def bits_to_hex(bits):
    # pdqhash returns bit 255 first, which is exactly Meta's hex order.
    v = 0
    for b in bits:
        v = (v << 1) | int(b)
    return "%064x" % v


def load_raw(path, w, h):
    data = np.fromfile(path, dtype=np.uint8)
    if data.size != w * h * 3:
        raise SystemExit("raw file %s has %d bytes, expected %d" % (path, data.size, w * h * 3))
    return np.ascontiguousarray(data.reshape((h, w, 3)))


def cmd_hash_raw(manifest):
    with open(manifest) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            path, w, h = line.split("\t")
            img = load_raw(path, int(w), int(h))
            bits, q = pdqhash.compute(img)
            dih, q2 = pdqhash.compute_dihedral(img)
            assert q == q2
            cols = [path, str(q), bits_to_hex(bits)] + [bits_to_hex(d) for d in dih]
            print("\t".join(cols))


def cmd_decode(outdir, images):
    from PIL import Image, ImageOps

    for n, path in enumerate(images):
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            arr = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
        raw = os.path.join(outdir, "%d.rgb" % n)
        arr.tofile(raw)
        print("\t".join([path, raw, str(arr.shape[1]), str(arr.shape[0])]))


def cmd_bench(raw, w, h, seconds):
    img = load_raw(raw, w, h)
    pdqhash.compute(img)
    n = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    while True:
        pdqhash.compute(img)
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds:
            break
    cpu = time.process_time() - c0
    # hashes/s, wall ms per hash, cpu ms per hash
    print("%.3f\t%.3f\t%.3f" % (n / el, 1000.0 * el / n, 1000.0 * cpu / n))


def cmd_bench_decode(path, seconds):
    from PIL import Image, ImageOps

    n = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    while True:
        with Image.open(path) as im:
            ImageOps.exif_transpose(im).convert("RGB").load()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds:
            break
    # wall ms, cpu ms per decode
    print("%.3f\t%.3f" % (1000.0 * el / n, 1000.0 * (time.process_time() - c0) / n))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    mode = sys.argv[1]
    if mode == "hash-raw":
        cmd_hash_raw(sys.argv[2])
    elif mode == "decode":
        cmd_decode(sys.argv[2], sys.argv[3:])
    elif mode == "bench":
        cmd_bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    elif mode == "bench-decode":
        cmd_bench_decode(sys.argv[2], float(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
