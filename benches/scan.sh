#!/usr/bin/env bash
# Benchmark: full scans of generated repositories, as a markdown table per format.
#   - ../shared/bench/gen_corpus.py at N = 200, 1,000 and 5,000 (k8s, compose, .env, Spring
#     config, SQL and source files per service): the realistic generator;
#   - gen-monorepo (this crate's generator) at N = 1,000.
# Each row is the median wall time of 5 runs, the CPU time (user + system) of that run, the
# peak RSS over the 5 runs and the output's size. When checkov 3.3.30 is installed (pip), it
# also prints the CPU ratio against `checkov -d DIR/k8s --framework kubernetes` at N = 200.
# Usage: bash benches/scan.sh [N ...]      (needs /usr/bin/time; run on a quiet machine)
#        MONOLENS=path/to/monolens bash benches/scan.sh   measures another build (e.g. an older one)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(200 1000 5000); fi
gen=../shared/bench/gen_corpus.py
formats=(json sarif github)
cargo build --release --quiet --bin monolens --bin gen-monorepo
M=${MONOLENS:-./target/release/monolens}
work=target/bench
mkdir -p "$work"

# measure LABEL FORMAT DIR: one table row, from 5 runs.
measure() {
  local label=$1 format=$2 dir=$3 out="$work/out.$2" rows=()
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$M" scan "$dir" --no-history --quiet \
      --format "$format" --fail-on never --output "$out"
    rows+=("$(tail -1 "$work/time.txt")")
  done
  local median rss bytes
  median=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n 3p)
  rss=$(printf '%s\n' "${rows[@]}" | awk '$4 > m { m = $4 } END { print m }')
  bytes=$(wc -c < "$out")
  read -r wall user sys _ <<< "$median"
  printf '| %s | %s | %s s | %.2f s | %s MB | %s |\n' "$label" "$format" "$wall" \
    "$(echo "$user + $sys" | bc)" "$((rss / 1024))" "$(numfmt --to=si --suffix=B "$bytes")"
}

echo "| repository | format | wall (median of 5) | CPU | peak RSS | output |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for n in "${sizes[@]}"; do
  dir="$work/gc-$n"
  [ -d "$dir" ] || python3 "$gen" "$n" "$dir" > /dev/null
  files=$(find "$dir" -type f | wc -l)
  for f in "${formats[@]}"; do measure "gen_corpus $n ($files files)" "$f" "$dir"; done
done
mono="$work/repo-1000"
[ -d "$mono" ] || ./target/release/gen-monorepo 1000 "$mono" > /dev/null
for f in "${formats[@]}"; do measure "gen-monorepo 1000" "$f" "$mono"; done

# CPU against checkov on the same Kubernetes manifests (N = 200: 600 resources).
k8s="$work/gc-200/k8s"
[ -d "$k8s" ] || python3 "$gen" 200 "$work/gc-200" > /dev/null
if command -v checkov > /dev/null && checkov --version 2>/dev/null | grep -q '^3\.3\.30$'; then
  cpu() {
    /usr/bin/time -f "%U %S" -o "$work/time.txt" "$@" > /dev/null 2>&1 || true
    tail -1 "$work/time.txt" | awk '{ print $1 + $2 }'
  }
  # Ours is below the clock's 10 ms grain per run: the CPU of 20 runs, divided by 20.
  ours=$(cpu sh -c "for i in \$(seq 20); do '$M' scan '$k8s' --no-history --quiet --format json --fail-on never; done")
  ours=$(echo "scale=4; $ours / 20" | bc)
  theirs=$(cpu checkov -d "$k8s" --framework kubernetes --quiet --compact -o json)
  echo
  echo "k8s only (gen_corpus 200, 600 resources): monolens ${ours} s CPU, checkov 3.3.30 ${theirs} s CPU:" \
    "$(echo "scale=0; $theirs / ($ours + 0.0001)" | bc)× less CPU"
else
  echo
  echo "checkov 3.3.30 not installed (pip install checkov==3.3.30): CPU ratio skipped"
fi
