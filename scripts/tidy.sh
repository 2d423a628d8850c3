#!/usr/bin/env bash
# `make tidy`: clang-tidy with the project's .clang-tidy over the production C++ sources of a
# configured build (its compile_commands.json): not tests, benchmarks, fuzzers or test helpers.
# Any finding is an error (WarningsAsErrors), so the exit status is CI's verdict.
#   scripts/tidy.sh BUILD_DIR [JOBS]
set -euo pipefail
build=${1:?usage: tidy.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
command -v run-clang-tidy >/dev/null || { echo "tidy: run-clang-tidy not found (apt-get install clang-tidy)"; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json (configure first)"; exit 1; }
mapfile -t files < <(python3 - "$build/compile_commands.json" <<'PY'
import json, sys
seen = set()
for c in json.load(open(sys.argv[1])):
    f = c["file"]
    if not f.endswith(".cc") or f.endswith("_test.cc") or f in seen:
        continue
    if any(p in f for p in ("/build/", "/tests/", "/bench/", "/fuzz/", "/testing/", "/test_firmware/")):
        continue
    seen.add(f)
    print(f)
PY
)
echo "tidy: ${#files[@]} files, $jobs jobs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if run-clang-tidy -p "$build" -j "$jobs" -quiet "${files[@]}" >"$log" 2>&1; then
  echo "tidy: no findings"
else
  grep -E "(warning|error): " "$log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u | head -100
  echo "tidy: findings above (checks in .clang-tidy)"
  exit 1
fi
