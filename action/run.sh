#!/usr/bin/env bash
# The steps of the monolens GitHub Action (action.yml), one subcommand each:
#   install  download the release binary for MONOLENS_VERSION, verify its SHA-256, put it on
#            the PATH (or build it with cargo when MONOLENS_FROM_SOURCE is true);
#   scan     write the SARIF report and the job summary (and the facts, with emit-facts), and
#            decide whether to upload;
#   fail     print annotations and exit 1 on findings at or above INPUT_FAIL_ON.
# Inputs arrive in environment variables, never pasted into the script, and every argument
# is passed as one array element: a glob such as `legacy/**` reaches monolens as written.
# tests/action.rs runs these steps with a fake GITHUB_* environment.
set -euo pipefail

die() {
  echo "::error title=monolens::$*"
  exit 2
}

# The release target of this runner.
target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) die "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; set from-source: true" ;;
  esac
}

sha256_check() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum --check --status "$1"
  else
    shasum -a 256 --check --status "$1"
  fi
}

install() {
  local root="$RUNNER_TEMP/monolens"
  mkdir -p "$root/bin"
  if [ "${MONOLENS_FROM_SOURCE:-false}" = "true" ]; then
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$root"
    echo "$root/bin" >>"$GITHUB_PATH"
    return
  fi
  local version="${MONOLENS_VERSION:-}"
  case "$version" in
    v[0-9]*) ;;
    *) die "version must be a release tag such as v0.2.0 (got '${version}'); pin the action to a tag, set version:, or set from-source: true" ;;
  esac
  local name
  name="monolens-$version-$(target).tar.gz"
  local base="${MONOLENS_DOWNLOAD_BASE:-https://github.com/$MONOLENS_REPOSITORY/releases/download/$version}"
  local work="$RUNNER_TEMP/monolens-download"
  mkdir -p "$work"
  curl --fail --silent --show-error --location --retry 3 --output "$work/$name" "$base/$name"
  curl --fail --silent --show-error --location --retry 3 --output "$work/$name.sha256" "$base/$name.sha256"
  (cd "$work" && sha256_check "$name.sha256") || die "checksum mismatch for $name"
  tar -xzf "$work/$name" -C "$root/bin"
  echo "$root/bin" >>"$GITHUB_PATH"
  "$root/bin/monolens" --version
}

# The arguments every scan shares, from the inputs, into the array ARGS.
scan_args() {
  ARGS=("${INPUT_PATH:-.}" --quiet)
  if [ -n "${INPUT_CONFIG:-}" ]; then ARGS+=(--config "$INPUT_CONFIG"); fi
  if [ -n "${INPUT_BASELINE:-}" ]; then ARGS+=(--baseline "$INPUT_BASELINE"); fi
  if [ -n "${INPUT_SELECT:-}" ]; then ARGS+=(--select "$INPUT_SELECT"); fi
  if [ -n "${INPUT_IGNORE:-}" ]; then ARGS+=(--ignore "$INPUT_IGNORE"); fi
  local glob
  while IFS= read -r glob; do
    glob="${glob#"${glob%%[![:space:]]*}"}"
    glob="${glob%"${glob##*[![:space:]]}"}"
    if [ -n "$glob" ]; then ARGS+=(--exclude "$glob"); fi
  done <<<"${INPUT_EXCLUDE:-}"
  local since
  since=$(new_since)
  if [ -n "$since" ]; then ARGS+=(--new-since "$since"); fi
}

# The revision to compare with: the pull request's base for `auto` on pull_request events.
new_since() {
  local wanted="${INPUT_NEW_SINCE:-auto}"
  if [ "$wanted" = "auto" ]; then
    case "${GITHUB_EVENT_NAME:-}" in
      pull_request | pull_request_target) wanted=$(jq -r '.pull_request.base.sha // ""' "$GITHUB_EVENT_PATH") ;;
      *) wanted="" ;;
    esac
  fi
  if [ -n "$wanted" ] && ! git -C "${INPUT_PATH:-.}" cat-file -e "$wanted^{commit}" 2>/dev/null; then
    # actions/checkout fetches one commit by default; the base is fetched alone.
    git -C "${INPUT_PATH:-.}" fetch --quiet --no-tags --depth=1 origin "$wanted" >&2 ||
      die "cannot fetch $wanted to compare with; use actions/checkout with fetch-depth: 0"
  fi
  echo "$wanted"
}

# A pull request from a fork gets a read-only token: code scanning would refuse the upload.
from_fork() {
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) ;;
    *) return 1 ;;
  esac
  local head
  head=$(jq -r '.pull_request.head.repo.full_name // ""' "$GITHUB_EVENT_PATH")
  [ -n "$head" ] && [ "$head" != "${GITHUB_REPOSITORY:-}" ]
}

scan() {
  scan_args
  local sarif="$RUNNER_TEMP/monolens.sarif"
  monolens scan "${ARGS[@]}" --format sarif --output "$sarif" --fail-on never
  monolens scan "${ARGS[@]}" --format markdown --fail-on never >>"$GITHUB_STEP_SUMMARY"
  # One category per scanned path, so two scans in one repository do not replace each other.
  local path="${INPUT_PATH:-.}"
  path="${path#./}"
  path="${path%/}"
  local category="monolens/${path:-.}"
  local upload="${INPUT_UPLOAD_SARIF:-true}"
  if [ "$upload" = "true" ] && from_fork; then
    echo "::notice title=monolens::pull request from a fork: its token cannot upload to code scanning, so the SARIF upload is skipped (the job summary and annotations still show the findings)"
    upload=false
  fi
  if [ -n "${INPUT_EMIT_FACTS:-}" ]; then
    monolens facts "${INPUT_PATH:-.}" --quiet --output "$INPUT_EMIT_FACTS"
    echo "facts=$INPUT_EMIT_FACTS" >>"$GITHUB_OUTPUT"
  fi
  {
    echo "sarif=$sarif"
    echo "category=$category"
    echo "upload=$upload"
  } >>"$GITHUB_OUTPUT"
}

fail() {
  scan_args
  monolens scan "${ARGS[@]}" --format github --fail-on "${INPUT_FAIL_ON:-error}"
}

case "${1:-}" in
  install) install ;;
  scan) scan ;;
  fail) fail ;;
  *) die "usage: run.sh install|scan|fail" ;;
esac
