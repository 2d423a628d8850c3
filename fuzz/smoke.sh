#!/usr/bin/env bash
# fuzz_smoke (ctest): build the libFuzzer targets with clang in their own build dir and run each of
# them for a share of TOTAL_SECONDS. Exit 77 (ctest SKIP) when clang or libFuzzer is unavailable.
#   fuzz/smoke.sh SOURCE_DIR FUZZ_BUILD_DIR [TOTAL_SECONDS=30]
set -euo pipefail
src=${1:?usage: smoke.sh SOURCE_DIR FUZZ_BUILD_DIR [TOTAL_SECONDS]}
dir=${2:?usage: smoke.sh SOURCE_DIR FUZZ_BUILD_DIR [TOTAL_SECONDS]}
total=${3:-30}

if ! command -v clang >/dev/null 2>&1 || ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz_smoke: skipped: clang/clang++ not found on PATH"
  exit 77
fi
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe_dir/probe.cc"
if ! clang++ -fsanitize=fuzzer,address "$probe_dir/probe.cc" -o "$probe_dir/probe" \
  >/dev/null 2>&1; then
  echo "fuzz_smoke: skipped: clang++ cannot link libFuzzer (-fsanitize=fuzzer)"
  exit 77
fi

generator=()
keep_going=(-k)
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
  keep_going=(-k 0)
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DUTVM_FUZZ=ON >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
fi
# Keep going past a fuzzer that fails to build so the others still run; fail at the end.
build_status=0
cmake --build "$dir" --target utvm-fuzzers -j 2 -- "${keep_going[@]}" || build_status=$?

shopt -s nullglob
fuzzers=()
for f in "$dir"/bin/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] && fuzzers+=("$f")
done
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "fuzz_smoke: no fuzz_* binaries were built in $dir/bin" >&2
  exit 1
fi
per=$((total / ${#fuzzers[@]}))
[ "$per" -lt 1 ] && per=1
echo "fuzz_smoke: ${#fuzzers[@]} fuzzer(s), ${per}s each"
run_status=0
FUZZ_SEED=${FUZZ_SEED:-1} bash "$src/scripts/run-fuzzers.sh" "$dir/bin" "$per" || run_status=$?
if [ "$build_status" -ne 0 ]; then
  echo "fuzz_smoke: FAILED: some fuzz targets did not build (see above)" >&2
  exit 1
fi
exit "$run_status"
