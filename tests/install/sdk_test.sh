#!/usr/bin/env bash
# The C++ server SDK as an installed CMake package (issue 13): install utvm into a prefix, build
# docs/examples/platform-sdk (the objlib platform) against it with find_package(utvm), and drive
# that out-of-tree server with the installed utvm through create-project -> build -> flash; its
# refusal of open_transport reaches `utvm run` as the platform's own message.
# Usage: sdk_test.sh BUILD_DIR SOURCE_DIR WORK_DIR. Exit 77 = skipped. WORK_DIR is removed.
set -u
build=$1 src=$2 work=$3
for tool in cmake ninja cc ar tar; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install: $(tail -5 "$work/install.log")"
[ -f "$prefix/lib/cmake/utvm/utvmConfig.cmake" ] || ls "$prefix"/lib/*/cmake/utvm/utvmConfig.cmake \
  >/dev/null 2>&1 || fail "no utvmConfig.cmake installed"
[ -f "$prefix/include/utvm/project_api/server.h" ] || fail "SDK headers not installed"

# The example, configured from a copy so nothing is written into the source tree.
cp -r "$src/docs/examples/platform-sdk" "$work/objlib"
cmake -S "$work/objlib" -B "$work/objlib-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/configure.log" 2>&1 || fail "configuring the SDK example: $(tail -20 "$work/configure.log")"
cmake --build "$work/objlib-build" >"$work/build.log" 2>&1 ||
  fail "building the SDK example: $(tail -20 "$work/build.log")"

utvm=$prefix/bin/utvm
tmpl=$work/objlib-build/template
unset UTVM_DATA_DIR
cd "$work" || fail "cd $work"
"$utvm" list-options --template-dir "$tmpl" >"$work/options.txt" 2>&1 ||
  fail "list-options: $(cat "$work/options.txt")"
grep -q "cc" "$work/options.txt" || fail "the example's options are not listed: $(cat "$work/options.txt")"
# A stand-in for TVM's standalone CRT (a foreign template gets TVM's, not utvm's runtime): TVM's
# layout, with utvm's own declarations of TVM's C ABI as its headers.
mkdir -p "$work/crt/src/runtime/crt"
cp -r "$prefix/share/utvm/device/include" "$work/crt/include"
"$utvm" create-project proj "$prefix/share/utvm/examples/example_mlp.tar" template \
  --template-dir "$tmpl" --standalone-crt-dir "$work/crt" \
  --project-option cflags=-O1 >"$work/create.log" 2>&1 || fail "create-project: $(cat "$work/create.log")"
"$utvm" build proj >"$work/ubuild.log" 2>&1 || fail "build: $(cat "$work/ubuild.log")"
[ -s proj/build/libmodel.a ] || fail "the example built no build/libmodel.a"
"$utvm" flash proj >"$work/flash.log" 2>&1 || fail "flash: $(cat "$work/flash.log")"
"$utvm" run proj >"$work/run.log" 2>&1 && fail "run succeeded on a platform without a device"
grep -q "objlib has no device" "$work/run.log" || fail "run did not relay the server's message: $(cat "$work/run.log")"
echo "PASS: an out-of-tree platform built with find_package(utvm) runs create-project, build, flash"
