#!/usr/bin/env bash
# Seed corpora for every fuzz target from the project's fixtures and the labelled systems in
# ../shared/corpus (read in place; the seeds live in fuzz/corpus/, which git ignores).
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared/corpus
roots=(../fixtures)
[ -d "$shared" ] && roots+=("$shared")
seed() { # target, find expression...
  local target=$1; shift
  mkdir -p "corpus/$target"
  find "${roots[@]}" -type f -size -64k "$@" -print0 2>/dev/null |
    while IFS= read -r -d '' f; do
      cp "$f" "corpus/$target/$(printf '%s' "$f" | sha1sum | cut -c1-16)"
    done
}
seed yaml -name '*.y*ml'
seed compose \( -name 'docker-compose*.y*ml' -o -name 'compose*.y*ml' \)
seed k8s \( -path '*k8s*' -o -path '*kubernetes*' -o -path '*manifests*' \) -name '*.y*ml'
seed sql -name '*.sql'
seed config \( -name '.env*' -o -name '*.properties' -o -name 'application*.y*ml' -o -name 'appsettings*.json' \)
seed nginx \( -name '*.conf' -o -name 'nginx*' \)
seed source \( -name '*.java' -o -name '*.go' -o -name '*.cs' -o -name '*.js' -o -name '*.ts' -o -name '*.py' \)
mkdir -p corpus/connstr
i=0
grep -rhoE '[a-z+]+://[^ "'"'"']+|Server=[^"'"'"']+|[A-Za-z]+=[^;"]+;[^"'"'"']+' ../fixtures "${roots[@]:1}" 2>/dev/null |
  grep -v '\.\(jpg\|png\|svg\|gif\)' | awk '!seen[$0]++' | head -2000 | while IFS= read -r line; do
    printf '%s' "$line" > "corpus/connstr/$i"; i=$((i + 1))
  done || true
for t in corpus/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
