#!/usr/bin/env bash
# A CMSIS-NN model end to end (issue 11): MLPerf Tiny keyword spotting as TVM compiled it with
# --target=cmsis-nn,c, through `utvm create-project` -> build -> flash -> run on the host
# (CMSIS-NN's portable C) and on emulated Cortex-M4 (mps2_an386, DSP), Cortex-M33 (mps2_an521,
# as QEMU models it: no DSP) and Cortex-M55 (mps3_an547, Helium/MVE). Every board's outputs must
# equal the host's bit for bit, for two random inputs. Each board takes CMSIS in another of the
# layouts users have (re-laid out from the shared tree with symlinks inside WORK_DIR):
#   host  TVM's layout, option cmsis_path         m4   CMSIS_5's (CMSIS/NN), option cmsis_path
#   m33   a bare CMSIS-NN checkout, $CMSIS_PATH   m55  TVM's layout, option cmsis_path
# Usage: cmsis_kws_test.sh UTVM KWS_MLF CMSIS_DIR WORK_DIR. Exit 77 = skipped.
set -u
utvm=$1 mlf=$2 cmsis=$3 work=$4
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

# The other layouts, from the shared tree.
mkdir -p "$work/cmsis5/CMSIS" "$work/cmsis-nn"
ln -s "$cmsis/CMSIS/Core" "$work/cmsis5/CMSIS/Core"
ln -s "$cmsis/CMSIS/DSP" "$work/cmsis5/CMSIS/DSP"
ln -s "$cmsis/CMSIS-NN" "$work/cmsis5/CMSIS/NN"
ln -s "$cmsis/CMSIS-NN/Include" "$work/cmsis-nn/Include"
ln -s "$cmsis/CMSIS-NN/Source" "$work/cmsis-nn/Source"

make_project() {  # name platform [options...]
  local name=$1 platform=$2; shift 2
  "$utvm" create-project "$work/$name" "$mlf" "$platform" "$@" >"$work/$name.log" 2>&1 ||
    fail "create-project $name: $(tail -5 "$work/$name.log")"
  "$utvm" build "$work/$name" >>"$work/$name.log" 2>&1 || fail "build $name: $(tail -20 "$work/$name.log")"
  "$utvm" flash "$work/$name" >>"$work/$name.log" 2>&1 || fail "flash $name: $(tail -5 "$work/$name.log")"
}
make_project host host --project-option "cmsis_path=$cmsis"
make_project m4 baremetal --project-option board=mps2_an386 "cmsis_path=$work/cmsis5"
CMSIS_PATH="$work/cmsis-nn" make_project m33 baremetal --project-option board=mps2_an521
make_project m55 baremetal --project-option board=mps3_an547 "cmsis_path=$cmsis"

# The layout each project recorded, and the MVE code path really compiled in for the M55.
grep -q '"layout": "CMSIS_5"' "$work/m4/project.json" || fail "m4 did not use the CMSIS_5 layout"
grep -q '"layout": "CMSIS-NN"' "$work/m33/project.json" || fail "m33 did not use \$CMSIS_PATH"
# (Q registers exist on M-profile only with MVE.)
arm-none-eabi-objdump -d "$work/m55/build/firmware.elf" | grep -qE '\sv[a-z0-9.]+\s+q[0-7]\b' ||
  fail "the M55 firmware has no Helium (MVE) instructions"
arm-none-eabi-objdump -d "$work/m4/build/firmware.elf" | grep -qE '\bsmlad\b|\bsxtb16\b' ||
  fail "the M4 firmware has no DSP instructions"
# Only what the model calls is linked: no CMSIS-NN kernel it does not use.
if arm-none-eabi-nm "$work/m4/build/firmware.elf" | grep -qE 'arm_svdf|arm_lstm|arm_max_pool|arm_elementwise_add'; then
  fail "unused CMSIS-NN kernels were linked into the M4 firmware"
fi

for seed in 1 2; do
  for p in host m4 m33 m55; do
    "$utvm" run "$work/$p" --fill-mode random --seed "$seed" -o "$work/out_${p}_$seed.npz" \
      >"$work/run_${p}_$seed.log" 2>&1 || fail "run $p (seed $seed): $(tail -5 "$work/run_${p}_$seed.log")"
  done
  for p in m4 m33 m55; do
    cmp "$work/out_host_$seed.npz" "$work/out_${p}_$seed.npz" ||
      fail "$p outputs differ from the host's (seed $seed)"
  done
done
# validate's host reference of a CMSIS model builds against the project's CMSIS.
"$utvm" validate "$work/m55" --seed 3 >"$work/validate.log" 2>&1 || fail "validate m55: $(tail -20 "$work/validate.log")"
cmp -s "$work/out_host_1.npz" "$work/out_host_2.npz" && fail "two different inputs gave the same outputs"
sleep 0.2
if pgrep -f "qemu-system-arm .*$work/" >/dev/null; then fail "QEMU still running after utvm run"; fi
echo "PASS: KWS (CMSIS-NN) outputs on mps2_an386, mps2_an521 and mps3_an547 equal the host's bit for bit"
