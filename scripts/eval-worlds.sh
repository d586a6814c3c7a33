#!/bin/bash
# Evaluate every detector on simulated worlds, one table row per world (docs/BENCHMARKS.md,
# issue 8). Usage: scripts/eval-worlds.sh [VIGIL] — default target/release/vigil.
# Worlds: the simulator's default size (20k accounts, 24 h) and 5k accounts / 12 h, seeds 1-3.
set -euo pipefail
V=${1:-target/release/vigil}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# EVAL_KEEP=DIR keeps each world's `vigil eval --json` output there (for pooled figures).
keep=${EVAL_KEEP:-}
row() { # NAME DIR
  python3 - "$2.json" "$1" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])); f = v['false_positive_rate_by_language']
en = f.get('en') or 0
ratio = lambda x: ('%.2f' % (f[x] / en)) if en and f.get(x) is not None else 'n/a'
a = v['accounts']; rt = v['returning']; x = v.get('cross_platform') or {}
num = lambda v: 'n/a' if v is None else '%.3f' % v
print('| %s | %.3f / %.3f | %s | %s / %s (%s of %s) | %.3f / %.3f / %.3f | %s | %.4f | %.4f | %.4f | %s | %s |' % (
    sys.argv[2], rt['precision'] or 0, rt['recall'] or 0, rt['median_posts_to_link'],
    num(x.get('precision')), num(x.get('recall')), x.get('links', 'n/a'), x.get('identities', 'n/a'),
    a['precision'], a['recall'], a['f1'], v['news_auto_actions'], en, f.get('ar') or 0,
    f.get('ru') or 0, ratio('ar'), ratio('ru')))
PY
}
echo "| world | returning P / R | median posts to link | cross-platform P / R (links of identities) | accounts P / R / F1 | news auto-actions | FPR en | FPR ar | FPR ru | ar/en | ru/en |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for size in default 5k; do
  for seed in 1 2 3; do
    d="$tmp/$size-$seed"
    if [ "$size" = default ]; then
      "$V" simulate --out "$d" --seed "$seed" >/dev/null 2>&1
    else
      "$V" simulate --out "$d" --seed "$seed" --accounts 5000 --hours 12 >/dev/null 2>&1
    fi
    "$V" ingest -q --db "$d.db" "$d" 2>/dev/null || [ $? -eq 3 ]
    "$V" eval --truth "$d/truth.json" --db "$d.db" --json >"$d.json"
    row "$size, seed $seed" "$d"
    if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$d.json" "$keep/$size-$seed.json"; fi
  done
done
