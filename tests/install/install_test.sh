#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` gives a working utvm (issue 13): P/bin/utvm lists every
# built-in platform, the device sources, the example model, completions and docs are there, and
# create-project -> build -> flash -> run works from the installed tool on PLATFORM.
# Usage: install_test.sh BUILD_DIR WORK_DIR PLATFORM [OPTION=VALUE...]
# Exit 77 = skipped (tools the platform needs are missing). WORK_DIR is removed at the end.
set -u
build=$1 work=$2 platform=$3
shift 3
case $platform in
  host) tools="cmake ninja cc" ;;
  baremetal) tools="cmake ninja arm-none-eabi-gcc qemu-system-arm" ;;
  *) tools="" ;;
esac
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH ($platform needs it)"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install: $(tail -5 "$work/install.log")"
utvm=$prefix/bin/utvm
[ -x "$utvm" ] || fail "no $utvm"

# What the installed tool needs at run time, beside the binary.
for f in share/utvm/device/include/utvm/link.h share/utvm/device/include/dlpack/dlpack.h \
  share/utvm/examples/example_mlp.tar share/utvm/examples/example_mlp_inputs.npz \
  share/utvm/doctor-tools.json share/bash-completion/completions/utvm \
  share/zsh/vendor-completions/_utvm share/fish/vendor_completions.d/utvm.fish share/doc/utvm/README.md share/doc/utvm/cli.md; do
  [ -s "$prefix/$f" ] || fail "not installed: $f"
done
ls "$prefix/share/utvm/device/src"/*.c >/dev/null 2>&1 || fail "no device sources installed"
for p in host baremetal zephyr arduino; do
  [ -f "$prefix/share/utvm/platforms/$p/platform.json" ] || fail "platform $p not installed"
done

# Run from elsewhere, with nothing pointing back at the build tree.
unset UTVM_DATA_DIR
cd "$work" || fail "cd $work"
"$utvm" platforms --names >"$work/platforms.txt" 2>&1 || fail "utvm platforms: $(cat "$work/platforms.txt")"
for p in arduino baremetal example host zephyr; do
  grep -qx "$p" "$work/platforms.txt" || fail "utvm platforms does not list $p: $(cat "$work/platforms.txt")"
done
bash -n "$prefix/share/bash-completion/completions/utvm" || fail "the bash completion is not valid bash"
# doctor finds the installed data complete (every platform, every device file, mlperf/ too).
"$utvm" doctor --json >"$work/doctor.json" 2>&1
python3 - "$work/doctor.json" <<'PY' || fail "utvm doctor finds the installed data incomplete: $(cat "$work/doctor.json")"
import json, sys
checks = [c for c in json.load(open(sys.argv[1]))["checks"] if c["platform"] == "utvm data"]
bad = [c for c in checks if c["status"] != "ok"]
sys.exit(1 if bad or len(checks) < 6 else 0)
PY
[ -f "$prefix/share/utvm/device/mlperf/mlperf_dut.c" ] || ls "$prefix/share/utvm/device/mlperf"/*.c >/dev/null 2>&1 ||
  fail "the MLPerf Tiny DUT sources are not installed"

opts=()
for o in "$@"; do opts+=(--project-option "$o"); done
examples=$prefix/share/utvm/examples
step() {  # name command...
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 || fail "$name: $(tail -20 "$work/$name.log")"
}
step create "$utvm" create-project proj "$examples/example_mlp.tar" "$platform" "${opts[@]}"
step build "$utvm" build proj
step flash "$utvm" flash proj
step run "$utvm" run proj -i "$examples/example_mlp_inputs.npz" \
  --expected "$examples/example_mlp_outputs.npz"
grep -q "outputs match" "$work/run.log" || fail "run did not compare the outputs: $(cat "$work/run.log")"
echo "PASS: the installed utvm lists every platform and runs the example model on $platform"
