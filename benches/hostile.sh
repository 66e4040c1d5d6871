#!/usr/bin/env bash
# Time and memory on every hostile input of ../shared/robustness: each case must finish in
# at most 2 s and 300 MB (release build). The big inputs are generated here, not stored.
# Usage: bash benches/hostile.sh        (needs /usr/bin/time, python3 and git)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin monolens
M=$PWD/target/release/monolens
R=$PWD/../shared/robustness
work=$PWD/target/hostile
rm -rf "$work" && mkdir -p "$work"
fail=0
echo "| case | wall | peak RSS | exit | within 2 s / 300 MB |"
echo "| --- | ---: | ---: | ---: | --- |"
measure() { # name, command...
  local name=$1; shift
  local out rc wall rss ok
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/out.txt" 2>&1 && rc=0 || rc=$?
  out=$(tail -1 "$work/time.txt")
  wall=${out% *}; rss=$(( ${out#* } / 1024 ))
  ok=yes
  if awk "BEGIN { exit !($wall > 2.0) }" || [ "$rss" -gt 300 ]; then ok=NO; fail=1; fi
  printf '| %s | %s s | %s MB | %s | %s |\n' "$name" "$wall" "$rss" "$rc" "$ok"
}
flags=(--no-history --fail-on never --format json)

for d in secrets secret-forms sql-deep-joins output-injection extends-order; do
  [ -d "$R/$d" ] && measure "$d/" "$M" scan "$R/$d" "${flags[@]}"
done

mkdir -p "$work/insert"
python3 -c "open('$work/insert/V1__seed.sql','w').write('INSERT INTO t VALUES '+','.join('(%d,\'x\')'%i for i in range(800000))+';')"
cp "$work/insert/V1__seed.sql" "$work/insert/V2__seed.sql"
measure "two 9 MB INSERTs" "$M" scan "$work/insert" "${flags[@]}"

mkdir -p "$work/interp"
python3 - "$work/interp" <<'PY'
import sys
d = sys.argv[1]
open(f"{d}/.env", "w").write("A=" + "x" * 1_000_000 + "\n")
refs = "${A}" * 3000
open(f"{d}/docker-compose.yml", "w").write(
    "services:\n" + "".join(f"  s{i}:\n    image: acme/s{i}:1\n    environment:\n      V: \"{refs}\"\n" for i in range(20)))
PY
measure "interpolation, 1 MB value x 3,000 refs" "$M" scan "$work/interp" "${flags[@]}"

mkdir -p "$work/ladder"
python3 "$R/gen/cycle_ladder.py" 26 > "$work/ladder/docker-compose.yml"
measure "cycle ladder, 54 services" "$M" scan "$work/ladder" "${flags[@]}"

python3 "$R/gen/k8s_ring.py" 20000 ring > "$work/ring.yaml"
measure "20,000-service ring (stdin)" sh -c "'$M' scan - --no-history --fail-on never --format json < '$work/ring.yaml'"

mkdir -p "$work/minjs"
python3 -c "open('$work/minjs/app.min.js','w').write('var a=[' + ','.join('\"http://orders:8080/x\"' for _ in range(80000)) + '];')"
printf 'services:\n  orders:\n    image: acme/orders:1\n  web:\n    build: minjs\n' > "$work/minjs/docker-compose.yml"
measure "minified JS, 1.1 MB on one line" "$M" scan "$work/minjs" "${flags[@]}"

mkdir -p "$work/owners"
python3 - "$work/owners" <<'PY'
import os, sys
d = sys.argv[1]
with open(f"{d}/docker-compose.yml", "w") as f:
    f.write("services:\n")
    for i in range(1000):
        os.makedirs(f"{d}/svc{i}", exist_ok=True)
        open(f"{d}/svc{i}/main.go", "w").write(f'package main\nvar u = "http://svc{(i + 1) % 1000}:8080"\n')
        f.write(f"  svc{i}:\n    build: ./svc{i}\n")
with open(f"{d}/CODEOWNERS", "w") as f:
    for i in range(2000):
        f.write(f"/svc{i % 1000}/ @team{i % 37}\n")
PY
measure "CODEOWNERS, 2,000 patterns, 1,000 services" "$M" scan "$work/owners" "${flags[@]}"

mkdir -p "$work/links"
printf 'services:\n  orders:\n    image: acme/orders:1\n' > "$work/links/docker-compose.yml"
ln -s /dev/zero "$work/links/zero.env"
ln -s /proc/self/pagemap "$work/links/pagemap.yml"
git -C "$work/links" init -q && git -C "$work/links" add -A
measure "tracked symlinks to /dev/zero and pagemap" "$M" scan "$work/links" "${flags[@]}"

measure "stdin, 400 MB of zeros" sh -c "head -c 400M /dev/zero | '$M' scan - --no-history --fail-on never --format json"

[ "$fail" = 0 ] && echo "every case within 2 s and 300 MB" || { echo "a case is over budget"; exit 1; }
