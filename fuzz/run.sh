#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 10) on stable (`-s none`), JOBS at a time
# (default 1), seeded by seed.sh; print executions and coverage per target. A crash stops
# with its input under artifacts/TARGET/ and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-10}
jobs=${2:-1}
targets=(yaml compose k8s connstr sql config nginx source)
[ -d corpus ] || ./seed.sh > /dev/null
cargo fuzz build -s none > /dev/null 2>&1 || cargo fuzz build -s none
mkdir -p logs
run() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  if cargo fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$seconds" -max_len=65536 \
      -rss_limit_mb=2048 -timeout=10 -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1; then
    echo "$t: $(grep -E '^#[0-9]+.*DONE' "logs/$t.log" | tail -1 | sed -E 's/^#([0-9]+)\s+DONE\s+/\1 executions, /' | cut -d' ' -f1-6)"
  else
    echo "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
    return 1
  fi
}
status=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for t in "${targets[@]:i:jobs}"; do run "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
