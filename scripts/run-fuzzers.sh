#!/usr/bin/env bash
# Runs every libFuzzer binary fuzz_* in BIN_DIR for SECONDS each (make fuzz, fuzz_smoke).
# Corpora live under BIN_DIR/../fuzz-corpus/<name> (seeded from fuzz/corpus/<name> if present);
# crash/timeout artifacts are written there too. Exit status 1 if any fuzzer found a problem.
#   scripts/run-fuzzers.sh BIN_DIR SECONDS
set -euo pipefail
bin_dir=${1:?usage: run-fuzzers.sh BIN_DIR SECONDS}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$bin_dir" ] || { echo "run-fuzzers: no such directory: $bin_dir" >&2; exit 1; }
corpus_root=$(cd "$bin_dir/.." && pwd)/fuzz-corpus
mkdir -p "$corpus_root"

shopt -s nullglob
fuzzers=()
for f in "$bin_dir"/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] && fuzzers+=("$f")
done
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz_* binaries in $bin_dir" >&2
  exit 1
fi

# FUZZ_SEED fixes libFuzzer's seed (fuzz_smoke sets it so CI explores the same inputs every
# run; `make fuzz` leaves it unset for fresh ones).
seed_args=()
[ -n "${FUZZ_SEED:-}" ] && seed_args=(-seed="$FUZZ_SEED")

# A sanitizer report is a finding even where a build could recover from it.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1}

failed=()
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  corpus="$corpus_root/$name"
  mkdir -p "$corpus"
  dirs=("$corpus")
  [ -d "$root/fuzz/corpus/$name" ] && dirs+=("$root/fuzz/corpus/$name")
  log="$corpus_root/$name.log"
  echo "== $name: ${seconds}s, corpus $corpus"
  if "$f" "${seed_args[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$corpus_root/$name-" "${dirs[@]}" >"$log" 2>&1 &&
    ! grep -qE 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$log"; then
    grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$log" | tail -2 || true
  else
    echo "!! $name FAILED (log: $log)"
    tail -40 "$log"
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-fuzzers: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "run-fuzzers: all ${#fuzzers[@]} fuzzer(s) ran ${seconds}s without findings"
