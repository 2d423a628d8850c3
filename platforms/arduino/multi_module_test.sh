#!/usr/bin/env bash
# TVM 0.16's two-module archive (sine + multi_io, AOT C interface) as one sketch on the Mega 2560
# emulated by simavr: each module, chosen with --module, gives TVM's own outputs bit for bit.
# multi_io calls roundf, which avr-libc only has as a macro over round: this is the test of
# device/include/utvm/avr_libm.h. Without --module the run is a usage error (exit 2).
# Usage: multi_module_test.sh UTVM_BINARY TVM016_FIXTURE_DIR WORK_DIR. Exit 77 = skipped.
set -u
utvm=$1 fixtures=$2 work=$3
for tool in arduino-builder avr-gcc avr-size; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
[ -x "$(dirname "$utvm")/utvm-avr-sim" ] || { echo "SKIP: utvm-avr-sim was not built"; exit 77; }
[ -f "$fixtures/multi_module_aot.tar" ] ||
  { echo "SKIP: $fixtures/multi_module_aot.tar is absent (../shared not checked out)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
p=$work/multi
"$utvm" create-project "$p" "$fixtures/multi_module_aot.tar" arduino \
  --project-option board=mega2560 >"$work/log" 2>&1 || fail "create-project: $(tail -5 "$work/log")"
"$utvm" build "$p" >>"$work/log" 2>&1 || fail "build: $(tail -20 "$work/log")"
"$utvm" flash "$p" >>"$work/log" 2>&1 || fail "flash: $(tail -5 "$work/log")"
for m in multi_io sine; do
  "$utvm" run "$p" --module "$m" -i "$fixtures/${m}_inputs.npz" \
    --expected "$fixtures/${m}_outputs.npz" >"$work/run_$m.log" 2>&1 ||
    fail "run --module $m: $(tail -5 "$work/run_$m.log")"
  grep -q "bit for bit" "$work/run_$m.log" || fail "module $m: $(cat "$work/run_$m.log")"
done
"$utvm" run "$p" -i "$fixtures/sine_inputs.npz" >"$work/run_none.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "run without --module exited $rc, want 2: $(cat "$work/run_none.log")"
grep -q "multi_io" "$work/run_none.log" || fail "the usage error does not list the modules"
sleep 0.2
if pgrep -f "utvm-avr-sim .*$work/" >/dev/null; then fail "utvm-avr-sim still running"; fi
echo "PASS: both modules of TVM 0.16's archive give TVM's outputs bit for bit on the emulated Mega"
