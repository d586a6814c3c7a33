#!/usr/bin/env bash
# Side-by-side benchmarks for vigil-hash against Meta's C++ PDQ (PyPI pdqhash) and faiss.
# Everything runs pinned to one core (taskset -c 0). Usage:
#   scripts/hash-bench.sh [N=10000000] [NQ=20000]
# Needs: python3 with pdqhash, numpy, Pillow, faiss-cpu; ../shared/reference/pdq.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
NQ=${2:-20000}
REF=${VIGIL_SHARED_DIR:-../shared}/reference/pdq/images
PIN="taskset -c 0"
WORK=$(mktemp -d /tmp/vigil-hash-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cargo build --release -p vigil-hash --example hash-bench >/dev/null
BIN=target/release/examples/hash-bench
PY=scripts/hash-pdq-ref.py

echo "# date: $(date -u +%F)  machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
echo "## PDQ hashing on identical decoded pixels (one core)"
python3 - "$REF" "$WORK" <<'PYEOF'
import sys, numpy as np
from PIL import Image, ImageOps
ref, work = sys.argv[1], sys.argv[2]
full = ImageOps.exif_transpose(Image.open(ref + "/reg-test-input/exif-rotn/exif-rotn-1.jpg")).convert("RGB")
mid = ImageOps.exif_transpose(Image.open(ref + "/bridge-mods/aaa-orig.jpg")).convert("RGB")
for name, im in [("512", mid.resize((512, 512))), ("1600x1004", mid), ("4032x3024", full)]:
    a = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
    a.tofile("%s/%s.rgb" % (work, name))
    print("%s\t%d\t%d" % (name, a.shape[1], a.shape[0]), file=open("%s/%s.dims" % (work, name), "w"))
PYEOF
printf "size\tvigil_wall_ms\tvigil_cpu_ms\tpdqhash_wall_ms\tpdqhash_cpu_ms\tspeedup_cpu\n"
for name in 512 1600x1004 4032x3024; do
  read -r _ W H < "$WORK/$name.dims"
  read -r _ RW RC < <($PIN $BIN pdq "$WORK/$name.rgb" "$W" "$H" 3)
  read -r _ PW PC < <($PIN python3 $PY bench "$WORK/$name.rgb" "$W" "$H" 3)
  printf "%sx%s\t%s\t%s\t%s\t%s\t%.2fx\n" "$W" "$H" "$RW" "$RC" "$PW" "$PC" "$(echo "$PC / $RC" | bc -l)"
done

echo "## Decode cost (one core): vigil decoder vs Pillow"
printf "file\tvigil_wall_ms\tvigil_cpu_ms\tpillow_wall_ms\tpillow_cpu_ms\n"
for f in bridge-mods/aaa-orig.jpg reg-test-input/exif-rotn/exif-rotn-1.jpg misc-images/c.png misc-images/modes/RGB.jpg misc-images/modes/F.webp; do
  R=$($PIN $BIN decode "$REF/$f" 2)
  P=$($PIN python3 $PY bench-decode "$REF/$f" 2)
  printf "%s\t%s\t%s\n" "$f" "$R" "$P"
done

echo "## Radius index, radius 31, one core"
$PIN $BIN index "$N" "$NQ" 31 "$WORK/index"
$PIN python3 scripts/hash-bench-faiss.py "$WORK/index" 31 200

echo "## MinHash LSH (threshold 0.8)"
$PIN $BIN minhash 20000
