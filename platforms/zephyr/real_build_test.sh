#!/usr/bin/env bash
# A real Zephyr application per model and board, through the CLI as a user runs it: create-project
# → build (plain CMake + Ninja, Debian's gcc-arm-none-eabi as gnuarmemb, picolibc) → flash → run
# under QEMU, against the trimmed Zephyr 3.7.1 tree the zephyr_tree fixture extracted from
# ../shared. Modules are not given: the project finds them in the workspace around the tree
# (<tree>/modules/hal/cmsis). Checks: no compiler warning from utvm's own files (src/, runtime/)
# in the build log; `run --expected` bit for bit when expected outputs are given (TVM's own for the
# TVM 0.16 fixtures); `validate` bit-identical with the host; no QEMU left running.
# Usage: real_build_test.sh UTVM TREE WORK NAME MLF BOARD [INPUTS.npz EXPECTED.npz [MODULE]]
# MODULE: the module run and validated, for an archive with several (all are built in).
# Exit 77 = skipped (no tree because ../shared is absent, or a tool is missing).
set -u
utvm=$1 tree=$2 work=$3 name=$4 mlf=$5 board=$6 inputs=${7:-} expected=${8:-} module=${9:-}
module_arg=()
[ -z "$module" ] || module_arg=(--module "$module")
[ -f "$tree/zephyr/VERSION" ] || { echo "SKIP: no Zephyr tree at $tree (../shared absent)"; exit 77; }
[ -f "$mlf" ] || { echo "SKIP: $mlf is not available (../shared absent)"; exit 77; }
tools="cmake ninja dtc arm-none-eabi-gcc qemu-system-arm"
[ "$board" = qemu_x86 ] && tools="cmake ninja dtc i686-linux-gnu-gcc qemu-system-i386"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH (scripts/install-deps.sh)"; exit 77; }
done
fail() { echo "FAIL: $*"; exit 1; }

# Zephyr writes its toolchain cache under $XDG_CACHE_HOME (else ~/.cache): keep it in the build
# tree. ccache keeps its usual directory (asked before XDG_CACHE_HOME moves) so rebuilds hit.
if command -v ccache >/dev/null && [ -z "${CCACHE_DIR:-}" ]; then
  CCACHE_DIR=$(ccache -k cache_dir 2>/dev/null) && export CCACHE_DIR
fi
# Paths under the build tree hashed relative to it, so the cases share compiled Zephyr objects.
export CCACHE_BASEDIR=$(dirname "$tree") CCACHE_NOHASHDIR=1
export XDG_CACHE_HOME=$work/cache
mkdir -p "$XDG_CACHE_HOME"
# The board's own toolchain (gnuarmemb, /usr) and the workspace's modules, whatever the caller has.
unset ZEPHYR_BASE ZEPHYR_MODULES ZEPHYR_TOOLCHAIN_VARIANT ZEPHYR_SDK_INSTALL_DIR GNUARMEMB_TOOLCHAIN_PATH

# WORKSPACE_CMSIS_NN=DIR: the tree as a west workspace that also holds CMSIS-NN in
# modules/lib/cmsis-nn (west's layout; symlinks to the extracted tree and to DIR), so the project
# must find CMSIS-NN there without cmsis_path or $CMSIS_PATH.
workspace=
if [ -n "${WORKSPACE_CMSIS_NN:-}" ]; then
  [ -d "$WORKSPACE_CMSIS_NN/Include" ] || { echo "SKIP: no CMSIS-NN at $WORKSPACE_CMSIS_NN (../shared absent)"; exit 77; }
  unset CMSIS_PATH
  workspace=$work/$name.workspace
  rm -rf "$workspace"
  mkdir -p "$workspace/modules/hal" "$workspace/modules/lib"
  ln -s "$tree/zephyr" "$workspace/zephyr"
  ln -s "$tree/modules/hal/cmsis" "$workspace/modules/hal/cmsis"
  ln -s "$WORKSPACE_CMSIS_NN" "$workspace/modules/lib/cmsis-nn"
  tree=$workspace
fi

project=$work/$name
rm -rf "$project" "$project.log"
log=$project.log
step() {  # what command...
  local what=$1; shift
  "$@" >>"$log" 2>&1 || fail "$what: $(tail -25 "$log")"
}
start=$(date +%s)
step create-project "$utvm" create-project "$project" "$mlf" zephyr \
  --project-option board="$board" --project-option zephyr_base="$tree/zephyr"
grep -q "modules/hal/cmsis" "$project/project.cmake" || fail "the workspace's cmsis module was not found"
step build "$utvm" build "$project"
step flash "$utvm" flash "$project"
echo "built $name in $(($(date +%s) - start)) s"
grep -E "^ +(FLASH|RAM|SRAM):" "$project/build/build.log" | sed 's/^/  /'
# utvm build printed Zephyr's table as its memory report (docs/json.md).
grep -q "^RAM:   \[" "$log" || fail "utvm build printed no memory report: $(tail -10 "$log")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["schema_version"] == 1 and r["ram"]["used"] > 0 and r["ram"]["size"] > 0 else 1)' \
  "$project/build/memory_report.json" || fail "no usable build/memory_report.json"

# Compiler warnings from utvm's files (the model's own C is TVM's, built with -w).
ours=$(grep -E "warning:" "$project/build/build.log" | grep -E "$project/(src|runtime)/|^(\.\./)*(src|runtime)/")
[ -z "$ours" ] || fail "warnings from utvm's generated files:
$ours"
# CMake warnings from the generated CMakeLists.txt (Zephyr's own, e.g. "not a git repository" for
# this tree or CONFIG_TIMER_RANDOM_GENERATOR's, are not utvm's).
grep -q "CMake Warning at $project/" "$project/build/build.log" &&
  fail "CMake warnings: $(grep -A4 "CMake Warning at $project/" "$project/build/build.log" | head -20)"

if [ -n "$inputs" ]; then
  step "run --expected" "$utvm" run "$project" "${module_arg[@]}" -i "$inputs" -o "$work/$name.out.npz" --expected "$expected"
  echo "outputs equal $(basename "$expected") bit for bit"
fi
"$utvm" validate "$project" "${module_arg[@]}" --seed 5 --json >"$work/$name.validate.json" 2>>"$log" ||
  fail "validate: $(cat "$work/$name.validate.json") $(tail -10 "$log")"
python3 - "$work/$name.validate.json" <<'EOF' || fail "validate: outputs not bit-identical"
import json, sys
j = json.load(open(sys.argv[1]))
outs = j.get("outputs", [])
sys.exit(0 if outs and all(o.get("bit_identical") for o in outs) else 1)
EOF
echo "validate: bit-identical with the host"
sleep 0.2
if pgrep -f "qemu-system-.*$project/" >/dev/null; then fail "QEMU still running after utvm"; fi
[ -z "$workspace" ] || grep -q "modules/lib/cmsis-nn" "$project/project.cmake" ||
  fail "CMSIS-NN was not taken from the workspace's modules/lib/cmsis-nn"
rm -rf "$project" "$log" "$work/$name.out.npz" "$work/$name.validate.json" ${workspace:+"$workspace"}
echo "PASS: $name on $board"
