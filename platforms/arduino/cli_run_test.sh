#!/usr/bin/env bash
# `utvm run` unchanged on the arduino platform: the example model through create-project, build
# (Debian's arduino-builder), flash and run on the Mega 2560 and the Uno (its link at 1 Mbaud)
# emulated by simavr gives outputs byte-identical to the host platform's for the same inputs,
# and leaves no emulator behind.
# Usage: cli_run_test.sh UTVM_BINARY EXAMPLE_MLF WORK_DIR. Exit 77 = skipped (tools missing).
set -u
utvm=$1 mlf=$2 work=$3
for tool in arduino-builder avr-gcc avr-size cmake ninja; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
[ -x "$(dirname "$utvm")/utvm-avr-sim" ] || { echo "SKIP: utvm-avr-sim was not built"; exit 77; }
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
make_project mega arduino --project-option board=mega2560
make_project uno arduino --project-option board=uno --project-option baud=1000000
[ -f "$work/mega/build/memory_report.json" ] || fail "no memory report for the Mega"
for p in host mega uno; do
  "$utvm" run "$work/$p" --fill-mode random --seed 42 -o "$work/out_$p.npz" >"$work/run_$p.log" 2>&1 ||
    fail "run $p: $(tail -5 "$work/run_$p.log")"
done
cmp "$work/out_host.npz" "$work/out_mega.npz" || fail "Mega outputs differ from the host's"
cmp "$work/out_host.npz" "$work/out_uno.npz" || fail "Uno (1 Mbaud link) outputs differ from the host's"
sleep 0.2
if pgrep -f "utvm-avr-sim .*$work/" >/dev/null; then fail "utvm-avr-sim still running after utvm run"; fi
echo "PASS: host, emulated mega2560 and uno (1 Mbaud) outputs are byte-identical"
