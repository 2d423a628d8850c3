#!/usr/bin/env bash
# MLPerf Tiny mode end to end (issue 15) on the CMSIS-NN KWS fixture: create-project with
# project_type=mlperf_tiny for mps2_an386 -> build -> flash -> `utvm bench` in performance mode
# (short windows) and in accuracy mode on a synthetic dataset in the runner's layout, whose Top-1
# must equal what `utvm run` of the same samples on a host project predicts. Also: the input
# size check at create-project (exit 3, nothing left behind).
# Usage: mlperf_kws_test.sh UTVM DATASET_HELPER KWS_MLF CMSIS_DIR WORK_DIR. Exit 77 = skipped.
set -u
utvm=$1 helper=$2 mlf=$3 cmsis=$4 work=$5
for tool in qemu-system-arm arm-none-eabi-gcc cmake ninja cc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
[ -f "$mlf" ] || { echo "SKIP: fixture $mlf missing (../shared beside the checkout)"; exit 77; }
[ -f "$cmsis/CMSIS-NN/Include/arm_nnfunctions.h" ] ||
  { echo "SKIP: no CMSIS at $cmsis (../shared/third_party/cmsis)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; trap - EXIT; exit 1; }
unset CMSIS_PATH
count=12

# A benchmark the model does not fit: exit 3 naming the input, no project left.
"$utvm" create-project "$work/wrong" "$mlf" baremetal --project-option board=mps2_an386 \
  project_type=mlperf_tiny mlperf_benchmark=ic01 "cmsis_path=$cmsis" >"$work/wrong.log" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "create-project with mlperf_benchmark=ic01 exited $rc, want 3: $(cat "$work/wrong.log")"
grep -q "input 'input_1' is int8 of 490 bytes" "$work/wrong.log" || fail "unclear error: $(cat "$work/wrong.log")"
[ ! -e "$work/wrong" ] || fail "a half-written project was left behind"

make_project() {  # name platform [options...]
  local name=$1 platform=$2; shift 2
  "$utvm" create-project "$work/$name" "$mlf" "$platform" "$@" >"$work/$name.log" 2>&1 ||
    fail "create-project $name: $(tail -5 "$work/$name.log")"
  "$utvm" build "$work/$name" >>"$work/$name.log" 2>&1 || fail "build $name: $(tail -20 "$work/$name.log")"
  "$utvm" flash "$work/$name" >>"$work/$name.log" 2>&1 || fail "flash $name: $(tail -5 "$work/$name.log")"
}
make_project host host --project-option "cmsis_path=$cmsis"
make_project dut baremetal --project-option board=mps2_an386 project_type=mlperf_tiny \
  mlperf_benchmark=kws01 "cmsis_path=$cmsis"
grep -q '"project_type": "mlperf_tiny"' "$work/dut/project.json" || fail "project.json has no project_type"

# The dataset, the host's predictions, the labels.
"$helper" make "$work/data" "$count" 7 input_1 || fail "dataset helper (make)"
mkdir -p "$work/out"
for ((i = 0; i < count; i++)); do
  s=$(printf 'sample_%04d' "$i")
  "$utvm" run "$work/host" -i "$work/data/npz/$s.npz" -o "$work/out/$s.npz" >"$work/run.log" 2>&1 ||
    fail "utvm run on the host ($s): $(tail -5 "$work/run.log")"
done
want=$("$helper" label "$work/data" "$count" 12 "$work/out") || fail "dataset helper (label)"

# Accuracy: the runner's layout (DIR/kws01/y_labels.csv), Top-1 as the host predicts.
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data" >"$work/acc.txt" 2>"$work/acc.err" ||
  fail "bench accuracy: $(cat "$work/acc.err")"
grep -qE "^[0-9]{4}\.[0-9]{6} ulp-mlperf: Top 1% = $want\$" "$work/acc.txt" ||
  fail "accuracy: want Top 1% = $want, got: $(cat "$work/acc.txt")"
# Every sample's argmax as the host's: 100.0 on the labels that are the host's predictions.
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data/exact" >"$work/exact.txt" 2>"$work/exact.err" ||
  fail "bench accuracy (exact): $(cat "$work/exact.err")"
grep -qE "ulp-mlperf: Top 1% = 100.0\$" "$work/exact.txt" ||
  fail "the device's predictions differ from the host's: $(cat "$work/exact.txt")"
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data/kws01" --json >"$work/acc.json" 2>/dev/null ||
  fail "bench accuracy --json"
grep -q '"schema_version": 1' "$work/acc.json" || fail "no schema_version in --json"
grep -q "\"top1\": $want" "$work/acc.json" || fail "--json top1 is not $want: $(head -c 600 "$work/acc.json")"

# Performance with short windows: five windows, a median, the note that it is not valid.
"$utvm" bench "$work/dut" --window-seconds 0.3 --warmups 1 >"$work/perf.txt" 2>"$work/perf.err" ||
  fail "bench performance: $(cat "$work/perf.err")"
[ "$(grep -c '^Performance results for window' "$work/perf.txt")" -eq 5 ] || fail "not 5 windows: $(cat "$work/perf.txt")"
grep -qE '^median throughput [0-9.]+ inf\./s, latency [0-9.]+ ms' "$work/perf.txt" || fail "no median: $(cat "$work/perf.txt")"
grep -q "not a valid MLPerf Tiny result" "$work/perf.err" || fail "short windows not flagged"
# Without --window-seconds under 10 the runner's 10 s rule applies: too few iterations is exit 12.
"$utvm" bench "$work/dut" --iterations 2 --warmups 0 >"$work/rule.txt" 2>&1
rc=$?
[ $rc -eq 12 ] || fail "windows under 10 s exited $rc, want 12: $(cat "$work/rule.txt")"
grep -q "ERROR 2 - loop exited before 10 seconds elapsed." "$work/rule.txt" || fail "no ERROR 2 line: $(cat "$work/rule.txt")"

# A dataset that is not there: exit 10.
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/nowhere" >/dev/null 2>&1
rc=$?
[ $rc -eq 10 ] || fail "missing dataset exited $rc, want 10"
sleep 0.2
if pgrep -f "qemu-system-arm .*$work/" >/dev/null; then fail "QEMU still running after utvm bench"; fi
echo "PASS: KWS mlperf_tiny on mps2_an386: accuracy Top 1% = $want as the host predicts; performance windows"
