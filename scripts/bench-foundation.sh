#!/usr/bin/env bash
# Foundation benchmarks (issue 2): scan throughput per format against a bare serde_json pass
# over the same bytes (the floor), ingest throughput into SQLite, and peak memory at two
# file sizes. Writes a markdown table to stdout.
#
# usage: scripts/bench-foundation.sh [POSTS] [WORKDIR]     (default 1000000, /tmp/vigil-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
W=${2:-/tmp/vigil-bench}
mkdir -p "$W"
cargo build --release -q -p vigil-cli -p vigil-ingest --bins --examples
V=$PWD/target/release/vigil
GEN=$PWD/target/release/examples/gen_corpus
FLOOR=$PWD/target/release/examples/floor

# CPU seconds (user+sys: what the command cost its core, whatever else the machine was doing),
# wall seconds and peak RSS (KiB) of a command pinned to one core
measure() { /usr/bin/time -f "%U %S %e %M" taskset -c 0 "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.2f %s %s\n", $1 + $2, $3, $4 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

echo "Times are CPU seconds on one core (user+sys); wall seconds in brackets."
echo
echo "| format | floor s | scan --raw s | raw posts/s | raw / floor | scan s (with text stage) | posts/s | scan peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for f in native twitter vk facebook telegram; do
  file=$W/$f.$N
  [ -f "$file" ] || "$GEN" "$f" "$N" "$file"
  mode=lines; [ "$f" = telegram ] && mode=document
  read -r fs fw _ < <(measure "$FLOOR" "$mode" "$file")
  read -r rs rw rm < <(measure "$V" scan -q --raw --format "$f" "$file")
  read -r ts tw tm < <(measure "$V" scan -q --format "$f" "$file")
  echo "| $f | $fs [$fw] | $rs [$rw] | $(rate "$N" "$rs") | $(awk -v a="$rs" -v b="$fs" 'BEGIN{printf "%.2f", a/b}') | $ts [$tw] | $(rate "$N" "$ts") | $((rm / 1024)) MiB raw, $((tm / 1024)) MiB text |"
done

echo
echo "| ingest (native, parse + SQLite writer threads) | posts | wall s | posts/s (wall) | CPU s | peak RSS |"
echo "|---|---|---|---|---|---|"
for n in $((N / 4)) "$N"; do
  file=$W/native.$n
  [ -f "$file" ] || "$GEN" native "$n" "$file"
  rm -f "$W/i.db" "$W/i.db-wal" "$W/i.db-shm" "$W/i.quarantine.ndjson"
  read -r s c m < <(/usr/bin/time -f "%e %U %S %M" "$V" ingest -q --no-detect --db "$W/i.db" "$file" 2>&1 >/dev/null | tail -1 | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }')
  echo "| native | $n | $s | $(rate "$n" "$s") | $c | $((m / 1024)) MiB |"
done
