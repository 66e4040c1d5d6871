#!/usr/bin/env bash
# Benchmark: a full scan of generated monorepos (gen-monorepo) at N = 100, 1,000 and 5,000
# services. Prints the median wall time of 5 runs and the peak RSS, as a markdown table.
# Usage: bash benches/scan.sh [N ...]      (needs /usr/bin/time; run on a quiet machine)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(100 1000 5000); fi
cargo build --release --quiet --bin monolens --bin gen-monorepo
work=target/bench
mkdir -p "$work"
echo "| services | files | wall (median of 5) | peak RSS |"
echo "| ---: | ---: | ---: | ---: |"
for n in "${sizes[@]}"; do
  dir="$work/repo-$n"
  [ -d "$dir" ] || ./target/release/gen-monorepo "$n" "$dir"
  files=$(find "$dir" -type f | wc -l)
  walls=(); rss=0
  for _ in 1 2 3 4 5; do
    out=$( { /usr/bin/time -f "%e %M" ./target/release/monolens scan "$dir" --no-history --quiet \
             --format json --fail-on never --output "$work/out-$n.json"; } 2>&1 | tail -1 )
    walls+=("${out% *}"); r=${out#* }; [ "$r" -gt "$rss" ] && rss=$r
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
  printf '| %s | %s | %s s | %s MB |\n' "$n" "$files" "$median" "$((rss / 1024))"
done
