#!/usr/bin/env bash
# MLPerf Tiny mode on Zephyr (issue 15): the CMSIS-NN KWS fixture as project_type=mlperf_tiny
# firmware for qemu_cortex_m3, built against the trimmed Zephyr 3.7.1 tree, driven by
# `utvm bench`: accuracy on a synthetic runner-layout dataset gives the host's predictions
# (Top 1% = 100.0 on labels that are the host's argmax, the helper's expected value on mixed
# labels); performance mode completes its 5 windows.
# Usage: mlperf_test.sh UTVM DATASET_HELPER TREE MLF CMSIS WORK. Exit 77 = skipped.
set -u
utvm=$1 helper=$2 tree=$3 mlf=$4 cmsis=$5 work=$6
[ -f "$tree/zephyr/VERSION" ] || { echo "SKIP: no Zephyr tree at $tree (../shared absent)"; exit 77; }
[ -f "$mlf" ] || { echo "SKIP: $mlf is not available (../shared absent)"; exit 77; }
[ -f "$cmsis/CMSIS-NN/Include/arm_nnfunctions.h" ] || { echo "SKIP: no CMSIS at $cmsis"; exit 77; }
for tool in cmake ninja arm-none-eabi-gcc qemu-system-arm dtc cc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH (scripts/install-deps.sh)"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; trap - EXIT; exit 1; }
# As real_build_test.sh: Zephyr's caches in the work tree, ccache shared, the caller's Zephyr
# settings ignored.
if command -v ccache >/dev/null && [ -z "${CCACHE_DIR:-}" ]; then
  CCACHE_DIR=$(ccache -k cache_dir 2>/dev/null) && export CCACHE_DIR
fi
export CCACHE_BASEDIR=$(dirname "$tree") CCACHE_NOHASHDIR=1 XDG_CACHE_HOME=$work/cache
unset ZEPHYR_BASE ZEPHYR_MODULES ZEPHYR_TOOLCHAIN_VARIANT ZEPHYR_SDK_INSTALL_DIR GNUARMEMB_TOOLCHAIN_PATH CMSIS_PATH
count=6

make_project() {  # name platform [options...]
  local name=$1 platform=$2; shift 2
  "$utvm" create-project "$work/$name" "$mlf" "$platform" "$@" >"$work/$name.log" 2>&1 ||
    fail "create-project $name: $(tail -5 "$work/$name.log")"
  "$utvm" build "$work/$name" >>"$work/$name.log" 2>&1 || fail "build $name: $(tail -20 "$work/$name.log")"
  "$utvm" flash "$work/$name" >>"$work/$name.log" 2>&1 || fail "flash $name: $(tail -5 "$work/$name.log")"
}
make_project host host --project-option "cmsis_path=$cmsis"
make_project dut zephyr --project-option board=qemu_cortex_m3 "zephyr_base=$tree/zephyr" \
  project_type=mlperf_tiny mlperf_benchmark=kws01 "cmsis_path=$cmsis"
grep -q '"project_type": "mlperf_tiny"' "$work/dut/project.json" || fail "project.json has no project_type"

"$helper" make "$work/data" "$count" 11 input_1 || fail "dataset helper (make)"
mkdir -p "$work/out"
for ((i = 0; i < count; i++)); do
  s=$(printf 'sample_%04d' "$i")
  "$utvm" run "$work/host" -i "$work/data/npz/$s.npz" -o "$work/out/$s.npz" >"$work/run.log" 2>&1 ||
    fail "utvm run on the host ($s): $(tail -5 "$work/run.log")"
done
want=$("$helper" label "$work/data" "$count" 12 "$work/out") || fail "dataset helper (label)"

"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data/exact" >"$work/exact.txt" 2>"$work/exact.err" ||
  fail "bench accuracy (exact): $(cat "$work/exact.err")"
grep -qE "ulp-mlperf: Top 1% = 100.0\$" "$work/exact.txt" ||
  fail "the device's predictions differ from the host's: $(cat "$work/exact.txt")"
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data" >"$work/acc.txt" 2>"$work/acc.err" ||
  fail "bench accuracy: $(cat "$work/acc.err")"
grep -qE "ulp-mlperf: Top 1% = $want\$" "$work/acc.txt" || fail "want Top 1% = $want: $(cat "$work/acc.txt")"
"$utvm" bench "$work/dut" --window-seconds 0.5 --warmups 1 >"$work/perf.txt" 2>"$work/perf.err" ||
  fail "bench performance: $(cat "$work/perf.err")"
[ "$(grep -c '^Performance results for window' "$work/perf.txt")" -eq 5 ] || fail "not 5 windows: $(cat "$work/perf.txt")"
sleep 0.2
if pgrep -f "qemu-system-arm .*$work/" >/dev/null; then fail "QEMU still running after utvm bench"; fi
echo "PASS: KWS mlperf_tiny on Zephyr qemu_cortex_m3: Top 1% = $want and 100.0 as the host predicts; 5 performance windows"
