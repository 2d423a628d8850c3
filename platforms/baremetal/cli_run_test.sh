#!/usr/bin/env bash
# `utvm run` unchanged on the baremetal platform: the example model through create-project,
# build, flash and run on mps2_an385 (M3, soft float) and mps2_an500 (M7, hardware FPU) gives
# outputs byte-identical to the host platform's for the same inputs, and leaves no QEMU behind.
# Usage: cli_run_test.sh UTVM_BINARY EXAMPLE_MLF WORK_DIR. Exit 77 = skipped (tools missing).
set -u
utvm=$1 mlf=$2 work=$3
for tool in qemu-system-arm arm-none-eabi-gcc cmake ninja; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
[ -f "$mlf" ] || { echo "FAIL: example model $mlf missing"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
make_project() {  # name platform [options...]
  local name=$1 platform=$2; shift 2
  "$utvm" create-project "$work/$name" "$mlf" "$platform" "$@" >"$work/$name.log" 2>&1 ||
    fail "create-project $name: $(tail -5 "$work/$name.log")"
  "$utvm" build "$work/$name" >>"$work/$name.log" 2>&1 || fail "build $name: $(tail -20 "$work/$name.log")"
  "$utvm" flash "$work/$name" >>"$work/$name.log" 2>&1 || fail "flash $name: $(tail -5 "$work/$name.log")"
}
make_project host host
make_project m3 baremetal --project-option board=mps2_an385
make_project m7 baremetal --project-option board=mps2_an500
[ -f "$work/m3/build/memory_report.json" ] || fail "no memory report for m3"
for p in host m3 m7; do
  "$utvm" run "$work/$p" --fill-mode random --seed 42 -o "$work/out_$p.npz" >"$work/run_$p.log" 2>&1 ||
    fail "run $p: $(tail -5 "$work/run_$p.log")"
done
# --print-time: one unit (ms) on every board, and QEMU's clock is labelled as such.
"$utvm" run "$work/m3" --print-time --repeat 2 >"$work/time_m3.log" 2>&1 || fail "run --print-time m3"
grep -q "Execution time summary (emulated):" "$work/time_m3.log" || fail "m3 times not marked emulated: $(cat "$work/time_m3.log")"
grep -q "mean (ms)" "$work/time_m3.log" || fail "m3 times not in ms: $(cat "$work/time_m3.log")"
"$utvm" run "$work/host" --print-time >"$work/time_host.log" 2>&1 || fail "run --print-time host"
grep -q "emulated" "$work/time_host.log" && fail "host times marked emulated: $(cat "$work/time_host.log")"
cmp "$work/out_host.npz" "$work/out_m3.npz" || fail "M3 outputs differ from the host's"
cmp "$work/out_host.npz" "$work/out_m7.npz" || fail "M7 outputs differ from the host's"
sleep 0.2
if pgrep -f "qemu-system-arm .*$work/" >/dev/null; then fail "QEMU still running after utvm run"; fi
echo "PASS: host, mps2_an385 and mps2_an500 outputs are byte-identical"
