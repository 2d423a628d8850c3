#!/usr/bin/env bash
# The CMSIS step through the CLI, on every platform, without building (issue 11): a model that
# needs CMSIS-NN (the MLPerf Tiny KWS fixture) fails create-project with exit 3 naming the header,
# the model file and the option when CMSIS is missing or in a wrong layout, and leaves no project;
# AVR boards refuse it; an Arm Arduino gets CMSIS copied into its sketch; Zephyr falls back to
# the tree's modules/lib/cmsis-nn; a model without CMSIS ignores cmsis_path; `utvm info` says
# what the model needs. Usage: cmsis_cli_test.sh UTVM KWS_MLF CMSIS_DIR EXAMPLE_MLF WORK_DIR.
set -u
utvm=$1 mlf=$2 cmsis=$3 example=$4 work=$5
[ -f "$mlf" ] || { echo "SKIP: fixture $mlf missing (../shared beside the checkout)"; exit 77; }
[ -f "$cmsis/CMSIS-NN/Include/arm_nnfunctions.h" ] ||
  { echo "SKIP: no CMSIS at $cmsis (../shared/third_party/cmsis)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; trap - EXIT; exit 1; }
unset CMSIS_PATH

# expect_error RC WHAT -- create-project args...: exit RC, no project left, stderr has each WHAT.
expect_error() {
  local rc=$1 project=$2; shift 2
  local -a want=()
  while [ "$1" != "--" ]; do want+=("$1"); shift; done
  shift
  "$utvm" create-project "$project" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$rc" ] || fail "create-project $* exited $got, not $rc: $(cat "$work/err")"
  [ -e "$project" ] && fail "create-project $* left $project behind"
  for w in "${want[@]}"; do
    grep -qF -- "$w" "$work/err" || fail "create-project $*: error lacks '$w': $(cat "$work/err")"
  done
  return 0
}

names=("default_lib2.c" "$mlf" "<arm_nnfunctions.h>" "cmsis_path")
# Needed but not given, on host and baremetal.
expect_error 3 "$work/p" "${names[@]}" -- "$mlf" host
expect_error 3 "$work/p" "${names[@]}" -- "$mlf" baremetal --project-option board=mps2_an386
# A wrong layout: the headers at the top, no Include/ or Source/.
mkdir -p "$work/wrong" && cp "$cmsis/CMSIS-NN/Include/arm_nnfunctions.h" "$work/wrong/"
expect_error 3 "$work/p" "${names[@]}" "is not a CMSIS tree" -- "$mlf" host \
  --project-option "cmsis_path=$work/wrong"
CMSIS_PATH="$work/wrong" expect_error 3 "$work/p" "\$CMSIS_PATH" "is not a CMSIS tree" -- "$mlf" \
  baremetal --project-option board=mps3_an547
# AVR cannot build CMSIS, whatever cmsis_path says.
expect_error 3 "$work/p" "board uno cannot run this model" "AVR" "<arm_nnfunctions.h>" "$mlf" -- \
  "$mlf" arduino --project-option board=uno "cmsis_path=$cmsis"

# An Arm Arduino: CMSIS-NN's headers and sources go into the sketch, includes made relative.
"$utvm" create-project "$work/due" "$mlf" arduino --project-option board=due "cmsis_path=$cmsis" \
  >"$work/out" 2>&1 || fail "arduino due: $(cat "$work/out")"
src="$work/due/project/src"
[ -f "$src/cmsis/NN/Source/SoftmaxFunctions/arm_softmax_s8.c" ] || fail "due: no CMSIS-NN sources in the sketch"
[ -f "$src/cmsis/NN/Include/Internal/arm_nn_compiler.h" ] || fail "due: no CMSIS-NN headers in the sketch"
grep -q '#include "../cmsis/NN/Include/arm_nnfunctions.h"' "$src/model/default_lib2.c" ||
  fail "due: the model's CMSIS include was not rewritten: $(grep arm_nnfunctions "$src/model/default_lib2.c")"

# Zephyr: without cmsis_path, the tree's own modules/lib/cmsis-nn (west's layout).
mkdir -p "$work/ws/zephyr" "$work/ws/modules/lib/cmsis-nn"
expect_error 3 "$work/z" "${names[@]}" -- "$mlf" zephyr --project-option board=mps2_an521 \
  "zephyr_base=$work/ws/zephyr"
ln -s "$cmsis/CMSIS-NN/Include" "$work/ws/modules/lib/cmsis-nn/Include"
ln -s "$cmsis/CMSIS-NN/Source" "$work/ws/modules/lib/cmsis-nn/Source"
"$utvm" create-project "$work/z" "$mlf" zephyr --project-option board=mps2_an521 \
  "zephyr_base=$work/ws/zephyr" >"$work/out" 2>&1 || fail "zephyr: $(cat "$work/out")"
grep -q "modules/lib/cmsis-nn/Source/SoftmaxFunctions/arm_softmax_s8.c" "$work/z/project.cmake" ||
  fail "zephyr: project.cmake does not build the tree's CMSIS-NN"

# A model without CMSIS: nothing changes, not even a broken cmsis_path is looked at.
"$utvm" create-project "$work/plain" "$example" host --project-option cmsis_path=/does/not/exist \
  >"$work/out" 2>&1 || fail "a model without CMSIS failed with cmsis_path set: $(cat "$work/out")"
grep -q cmsis_nn "$work/plain/CMakeLists.txt" && fail "a model without CMSIS builds CMSIS-NN"

# utvm info says what the model needs.
"$utvm" info "$mlf" >"$work/info" 2>&1 || fail "utvm info: $(cat "$work/info")"
grep -q "CMSIS: *needed (CMSIS-NN" "$work/info" || fail "info does not say CMSIS is needed: $(cat "$work/info")"
grep -q "arm_depthwise_conv_wrapper_s8" "$work/info" || fail "info does not list the CMSIS-NN calls"
"$utvm" info "$example" | grep -q CMSIS && fail "info mentions CMSIS for a model without it"
echo "PASS: CMSIS needed/missing/wrong/AVR/Zephyr-module/not-needed through the CLI"
