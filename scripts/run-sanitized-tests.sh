#!/usr/bin/env bash
# make test-sanitize: runs unit-test binaries built with -fsanitize=address,undefined
# -fno-sanitize-recover=all. A test failure or any sanitizer report fails the run.
#   scripts/run-sanitized-tests.sh BIN_DIR TEST...
set -euo pipefail
bin_dir=${1:?usage: run-sanitized-tests.sh BIN_DIR TEST...}
shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=()
for t in "$@"; do
  log="$tmp/$t.log"
  echo "== $t"
  if TMPDIR="$tmp" "$bin_dir/$t" --gtest_brief=1 >"$log" 2>&1 &&
    ! grep -qE 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$log"; then
    grep -E '^\[  PASSED  \]|^\[  SKIPPED \]' "$log" || true
  else
    echo "!! $t FAILED under the sanitizers:"
    tail -60 "$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-sanitize: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "test-sanitize: $# test binaries passed with no sanitizer report"
