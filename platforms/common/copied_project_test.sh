#!/usr/bin/env bash
# A copied or moved project builds its own sources (issue 13): `cp -a proj copy` carries proj's
# build directory, whose CMake cache names proj; building the copy must compile the copy's
# sources. The copy's source is broken, so its build must fail; the original still builds; a
# moved project builds where it now is. The compiler output is in the log utvm names, and -v
# streams it.
# Usage: copied_project_test.sh UTVM_BINARY EXAMPLE_MLF WORK_DIR PLATFORM [OPTION=VALUE...]
# Exit 77 = skipped (tools the platform needs are missing).
set -u
utvm=$1 mlf=$2 work=$3 platform=$4
shift 4
case $platform in
  host) tools="cmake ninja cc" ;;
  baremetal) tools="cmake ninja arm-none-eabi-gcc" ;;
  *) tools="cmake" ;;
esac
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
[ -f "$mlf" ] || { echo "FAIL: example model $mlf missing"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
opts=()
for o in "$@"; do opts+=(--project-option "$o"); done

"$utvm" create-project "$work/proj" "$mlf" "$platform" "${opts[@]}" >"$work/create.log" 2>&1 ||
  fail "create-project: $(tail -5 "$work/create.log")"
"$utvm" build "$work/proj" >"$work/build.log" 2>&1 || fail "build proj: $(tail -20 "$work/build.log")"
# The log utvm names holds the compiler's output (issue 13: it used to be another file).
grep -q "Building C object" "$work/proj/build/utvm-build.log" ||
  fail "build/utvm-build.log lacks the compiler output: $(tail -5 "$work/proj/build/utvm-build.log")"

cp -a "$work/proj" "$work/copy"
echo '#error this copy is broken on purpose' >>"$work/copy/src/utvm_glue.c"
if "$utvm" build "$work/copy" >"$work/copy.log" 2>&1; then
  fail "the broken copy built (it compiled the original's sources): $(tail -5 "$work/copy.log")"
fi
grep -q "broken on purpose" "$work/copy.log" ||
  fail "the copy's build failed, but not on its own source: $(tail -20 "$work/copy.log")"

"$utvm" build "$work/proj" >"$work/rebuild.log" 2>&1 ||
  fail "the original no longer builds: $(tail -20 "$work/rebuild.log")"

mv "$work/proj" "$work/moved"
"$utvm" -v build "$work/moved" >"$work/moved.log" 2>&1 ||
  fail "the moved project does not build: $(tail -20 "$work/moved.log")"
grep -q "Building C object" "$work/moved.log" || fail "-v did not stream the compiler output"
if [ -f "$work/moved/build/CMakeCache.txt" ]; then
  grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$work/moved\$" "$work/moved/build/CMakeCache.txt" ||
    fail "the moved project's CMake cache still names another directory"
fi
echo "PASS: $platform: the copy built its own (broken) source; the original and a moved project build"
