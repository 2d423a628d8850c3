#!/usr/bin/env bash
# MLPerf Tiny mode on the arduino platform (issue 15): a kws01-shaped test model
# (testdata/kws_sum_mlf: 490 int8 in, 12 int8 out, no weights, so it fits the Mega's 8 KiB) as
# project_type=mlperf_tiny firmware for the Mega 2560 emulated by simavr, driven by `utvm bench`:
# accuracy on a synthetic runner-layout dataset (the baremetal test's helper) gives the Top-1
# `utvm run` of the same samples on the host predicts (100.0 on the host's own argmax labels);
# performance mode completes its 5 windows. Protocol checks that matter on AVR over
# `utvm serve --pty`: a `db load` larger than the buffer is an `e-` line, `m-ready` ends every
# reply and appears in no other line, the longest `db` command loads. Also: a benchmark the
# model does not fit is exit 3 at create-project; a firmware too big for the RAM is refused.
# Usage: mlperf_test.sh UTVM DATASET_HELPER MODEL_DIR WORK_DIR. Exit 77 = skipped.
set -u
utvm=$1 helper=$2 model_dir=$3 work=$4
for tool in arduino-builder avr-gcc avr-size tar; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH (scripts/install-deps.sh)"; exit 77; }
done
[ -x "$(dirname "$utvm")/utvm-avr-sim" ] ||
  { echo "SKIP: utvm-avr-sim was not built (libsimavr-dev and libelf-dev missing)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; trap - EXIT; exit 1; }
count=8
mlf=$work/kws_sum.tar
tar -C "$model_dir" --exclude=README.md -cf "$mlf" . || fail "packing $model_dir"

# A benchmark the model does not fit: exit 3 naming the input, no project left.
"$utvm" create-project "$work/wrong" "$mlf" arduino --project-option board=mega2560 \
  project_type=mlperf_tiny mlperf_benchmark=ic01 >"$work/wrong.log" 2>&1
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
make_project host host
make_project dut arduino --project-option board=mega2560 project_type=mlperf_tiny \
  mlperf_benchmark=kws01 warning_as_error=true
grep -q '"project_type": "mlperf_tiny"' "$work/dut/project.json" || fail "project.json has no project_type"
grep -q '#define UTVM_BAUD 115200ul' "$work/dut/project/src/port/utvm_config.h" ||
  fail "the sketch's UART is not at kws01's 115200 baud"
[ -f "$work/dut/build/memory_report.json" ] || fail "no memory report"
grep -q 'utvm_arduino_serve_mlperf();' "$work/dut/project/project.ino" || fail "the sketch does not run the DUT"
[ -f "$work/dut/project/src/runtime/mlperf/mlperf_dut.c" ] || fail "no DUT source in the sketch"
[ ! -e "$work/dut/project/src/runtime/mlperf/mlperf_dut_test.cc" ] || fail "the DUT's host test was copied"

# A firmware whose RAM does not fit the Mega stays refused with the memory message, naming the
# DUT's share (here: the model's arena made too big for 8 KiB).
"$utvm" create-project "$work/big" "$mlf" arduino --project-option board=mega2560 \
  project_type=mlperf_tiny mlperf_benchmark=kws01 workspace_size_bytes=7000 >"$work/big.log" 2>&1 ||
  fail "create-project big: $(tail -5 "$work/big.log")"
"$utvm" build "$work/big" >>"$work/big.log" 2>&1 && fail "a firmware too big for the Mega built"
grep -q "board mega2560 has 8 KiB" "$work/big.log" || fail "no memory message: $(tail -5 "$work/big.log")"
grep -q "MLPerf sample buffer and DUT" "$work/big.log" || fail "the DUT's RAM is not named: $(tail -5 "$work/big.log")"

# The dataset, the host's predictions, the labels.
"$helper" make "$work/data" "$count" 5 input_1 || fail "dataset helper (make)"
mkdir -p "$work/out"
for ((i = 0; i < count; i++)); do
  s=$(printf 'sample_%04d' "$i")
  "$utvm" run "$work/host" -i "$work/data/npz/$s.npz" -o "$work/out/$s.npz" >"$work/run.log" 2>&1 ||
    fail "utvm run on the host ($s): $(tail -5 "$work/run.log")"
done
want=$("$helper" label "$work/data" "$count" 12 "$work/out") || fail "dataset helper (label)"

# Accuracy: every prediction as the host's (100.0), and the helper's Top-1 on mixed labels.
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data/exact" >"$work/exact.txt" 2>"$work/exact.err" ||
  fail "bench accuracy (exact): $(cat "$work/exact.err")"
grep -qE "ulp-mlperf: Top 1% = 100.0\$" "$work/exact.txt" ||
  fail "the device's predictions differ from the host's: $(cat "$work/exact.txt")"
"$utvm" bench "$work/dut" --mode accuracy --dataset "$work/data" >"$work/acc.txt" 2>"$work/acc.err" ||
  fail "bench accuracy: $(cat "$work/acc.err")"
grep -qE "^[0-9]{4}\.[0-9]{6} ulp-mlperf: Top 1% = $want\$" "$work/acc.txt" ||
  fail "accuracy: want Top 1% = $want, got: $(cat "$work/acc.txt")"

# Performance with short windows: five windows and a median.
"$utvm" bench "$work/dut" --window-seconds 0.3 --warmups 1 >"$work/perf.txt" 2>"$work/perf.err" ||
  fail "bench performance: $(cat "$work/perf.err")"
[ "$(grep -c '^Performance results for window' "$work/perf.txt")" -eq 5 ] || fail "not 5 windows: $(cat "$work/perf.txt")"
grep -qE '^median throughput [0-9.]+ inf\./s, latency [0-9.]+ ms' "$work/perf.txt" || fail "no median: $(cat "$work/perf.txt")"

# The protocol on the emulated Mega over a pty, as the MLCommons runner would use it.
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
    assert all(b < 0x80 for b in buf), ("not ASCII", text, buf)
    lines = [l for l in buf.decode("ascii").replace("\r", "").split("\n") if l]
    assert lines and lines[-1] == "m-ready", (text, buf)
    assert not any("m-ready" in l for l in lines[:-1]), ("m-ready inside a line", text, lines)
    return lines[:-1]
fd = port()
assert cmd(fd, "name") == ["m-name-dut-[utvm]"]
assert cmd(fd, "profile")[1] == "m-model-[kws01]"
# Larger than the 490-byte buffer: the reference's error line, and nothing loads.
r = cmd(fd, "db load 491")
assert r == ["e-[Supplied buffer size 491 exceeds maximum of 490]"], r
r = cmd(fd, "db 00")
assert r == ["e-[No 'db load' in progress]"], r
r = cmd(fd, "bogus-m-ready")
assert r == ["e-[Unknown command: bogus-m_ready]"], r
sample = open(sys.argv[2], "rb").read()
assert cmd(fd, "db load %d" % len(sample)) == ["m-[Expecting 490 bytes]"]
for i in range(0, len(sample), 31):  # the runner's longest command: db + 62 hex digits
    last = cmd(fd, "db " + sample[i:i + 31].hex())
assert last == ["m-load-done"], last
r = cmd(fd, "db print")
assert r[0] == "m-buffer-" + "-".join("%02x" % b for b in sample[:8]), r
reply = cmd(fd, "infer 3 1")
laps = [int(l[len("m-lap-us-"):]) for l in reply if l.startswith("m-lap-us-")]
assert len(laps) == 2 and laps[1] > laps[0], reply
assert reply[-1].startswith("m-results-[") and reply[-1].count(",") == 11, reply
assert cmd(fd, "results") == [reply[-1]]
t = cmd(fd, "timestamp")
assert len(t) == 1 and int(t[0][len("m-lap-us-"):]) > laps[1], t
os.close(fd)
fd = port()  # reopened: still the same device, not reset
assert cmd(fd, "results") == [reply[-1]]
print("pty ok")
PY
  rc=$?
  kill -INT $serve_pid
  wait $serve_pid
  [ $rc -eq 0 ] || fail "the DUT over utvm serve --pty: $(cat "$work/pty.log")"
else
  echo "note: python3 not found, the protocol checks over utvm serve --pty were skipped"
fi
sleep 0.2
if pgrep -f "utvm-avr-sim .*$work/" >/dev/null; then fail "utvm-avr-sim still running after utvm bench"; fi
echo "PASS: kws01 mlperf_tiny on the emulated mega2560: accuracy Top 1% = $want as the host predicts; performance windows; protocol checks"
