#!/usr/bin/env bash
# Benchmark: the organisation-wide merge. gen_corpus.py N is split into repositories of 10
# services (benches/split_corpus.py) plus an infra repository; each repository's facts are
# written with `monolens facts`, then `monolens merge` resolves them all. Prints the facts'
# size, the merge's wall time (median of 5) and peak RSS, and whether the merge finds the
# same findings (fingerprints) as one scan of the unsplit repository.
# Usage: bash benches/org.sh [N]      (default 1000; needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
cargo build --release --quiet --bin monolens
M=./target/release/monolens
work=target/bench
src="$work/gc-$n"
[ -d "$src" ] || python3 ../shared/bench/gen_corpus.py "$n" "$src" > /dev/null
python3 benches/split_corpus.py "$src" "$work/org-$n"
facts="$work/org-$n-facts"
rm -rf "$facts" && mkdir -p "$facts"
start=$(date +%s.%N)
for repo in "$work/org-$n"/*/; do
  "$M" facts "$repo" --quiet -o "$facts/$(basename "$repo").json"
done
end=$(date +%s.%N)
echo "facts: $(ls "$facts" | wc -l) files, $(du -sh "$facts" | cut -f1), written in $(echo "$end - $start" | bc) s"
rows=()
for _ in 1 2 3 4 5; do
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$M" merge "$facts"/*.json -f json --fail-on never -o "$work/merged.json"
  rows+=("$(tail -1 "$work/time.txt")")
done
read -r wall _ <<< "$(printf '%s\n' "${rows[@]}" | sort -n | sed -n 3p)"
rss=$(printf '%s\n' "${rows[@]}" | awk '$2 > m { m = $2 } END { print m }')
echo "merge of $(ls "$facts" | wc -l) fragments: ${wall} s (median of 5), $((rss / 1024)) MB peak"
"$M" scan "$src" --no-history --quiet -f json --fail-on never -o "$work/single.json"
python3 - "$work/single.json" "$work/merged.json" <<'PY'
import json, sys
one, merged = (json.load(open(p)) for p in sys.argv[1:3])
a = {f["fingerprint"] for f in one["findings"]}
b = {f["fingerprint"] for f in merged["findings"]}
print(f"same findings as one scan: {a == b} ({len(a)} findings; {len(a - b)} only in the scan, {len(b - a)} only in the merge)")
PY
