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

# utvm serve --pty: the same DUT on a pseudo-terminal, as the MLCommons runner would use it
# (raw mode, the port closed and reopened without a reset); Ctrl-C stops QEMU with it.
if command -v python3 >/dev/null; then
  "$utvm" serve "$work/dut" --pty >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 50); do [ -s "$work/serve.out" ] && break; sleep 0.2; done
  pty=$(head -1 "$work/serve.out")
  [ -c "$pty" ] || { kill -INT $serve_pid; fail "serve printed no pty: $(cat "$work/serve.err")"; }
  python3 - "$pty" "$work/data/kws01/sample_0000.bin" >"$work/pty.log" 2>&1 <<'PY'
import os, select, sys, termios, time, tty
def port():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIFLUSH)
    return fd
def cmd(fd, text):
    os.write(fd, text.encode()); os.write(fd, b"%")
    buf, end = b"", time.time() + 10
    while time.time() < end and b"m-ready" not in buf:
        if select.select([fd], [], [], 0.1)[0]:
            buf += os.read(fd, 4096)
    lines = [l for l in buf.decode("ascii").replace("\r", "").split("\n") if l]
    assert lines and lines[-1] == "m-ready", (text, buf)
    return lines
fd = port()
assert cmd(fd, "name")[0] == "m-name-dut-[utvm]"
assert cmd(fd, "profile")[1] == "m-model-[kws01]"
os.close(fd)
fd = port()  # reopened: the device must still be there, not reset
sample = open(sys.argv[2], "rb").read()
assert cmd(fd, "db load %d" % len(sample))[0] == "m-[Expecting 490 bytes]"
for i in range(0, len(sample), 31):
    last = cmd(fd, "db " + sample[i:i + 31].hex())
assert last[0] == "m-load-done", last
reply = cmd(fd, "infer 2 1")
assert [l for l in reply if l.startswith("m-lap-us-")].__len__() == 2, reply
assert any(l.startswith("m-results-[") for l in reply), reply
print("pty ok")
PY
  rc=$?
  kill -INT $serve_pid
  wait $serve_pid
  [ $rc -eq 0 ] || fail "the DUT over utvm serve --pty: $(cat "$work/pty.log")"
else
  echo "note: python3 not found, utvm serve --pty not checked"
fi

# A dataset that is not there: exit 10.
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/nowhere" >/dev/null 2>&1
rc=$?
[ $rc -eq 10 ] || fail "missing dataset exited $rc, want 10"
sleep 0.2
if pgrep -f "qemu-system-arm .*$work/" >/dev/null; then fail "QEMU still running after utvm bench"; fi
echo "PASS: KWS mlperf_tiny on mps2_an386: accuracy Top 1% = $want as the host predicts; performance windows"
