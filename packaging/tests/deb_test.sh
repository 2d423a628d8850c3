#!/usr/bin/env bash
# The Debian package (issue 13): CPack builds it from BUILD_DIR, its control file declares the
# Debian packages utvm runs, and the tool unpacked from it (dpkg-deb -x into a scratch root:
# nothing is installed on this machine) lists every platform and runs the example model on host.
# Usage: deb_test.sh BUILD_DIR WORK_DIR. Exit 77 = skipped (dpkg-deb / cpack missing).
# WORK_DIR is removed at the end. Prints the .deb's size and the unpack time.
set -u
build=$1 work=$2
for tool in cpack dpkg-deb dpkg-shlibdeps cmake ninja cc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not on PATH"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  fail "cpack: $(tail -20 "$work/cpack.log")"
debs=("$work"/pkg/utvm_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one utvm_*.deb in $work/pkg: ${debs[*]}"
deb=${debs[0]}

# The control file: Depends names what the host platform needs and the libraries utvm links.
control=$(dpkg-deb -f "$deb" Package Version Depends Recommends)
echo "$control"
for dep in cmake ninja-build gcc libarchive13 libserialport0 'libfmt9|libfmt'; do
  echo "$control" | grep -E "^Depends:.*\b($dep)\b" >/dev/null || fail "Depends lacks $dep"
done
echo "$control" | grep -q "^Recommends:.*qemu-system-arm" || fail "Recommends lacks qemu-system-arm"
dpkg-deb -c "$deb" | grep >/dev/null '\./usr/bin/utvm$' || fail "no /usr/bin/utvm in the package"

root=$work/root
start=$(date +%s.%N)
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x"
end=$(date +%s.%N)
utvm=$root/usr/bin/utvm
[ -x "$utvm" ] || fail "no usr/bin/utvm in the unpacked package"
for f in usr/share/utvm/examples/example_mlp.tar usr/share/utvm/device/include/utvm/link.h \
  usr/share/bash-completion/completions/utvm usr/share/doc/utvm/cli.md \
  usr/include/utvm/project_api/server.h usr/share/doc/utvm/examples/platform-sdk/objlib_server.cc; do
  [ -s "$root/$f" ] || fail "the package lacks /$f"
done

unset UTVM_DATA_DIR
cd "$work" || fail "cd $work"
"$utvm" platforms --names >"$work/platforms.txt" 2>&1 || fail "utvm platforms: $(cat "$work/platforms.txt")"
for p in arduino baremetal example host zephyr; do
  grep -qx "$p" "$work/platforms.txt" || fail "utvm platforms does not list $p"
done
examples=$root/usr/share/utvm/examples
step() {  # name command...
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 || fail "$name: $(tail -20 "$work/$name.log")"
}
step create "$utvm" create-project proj "$examples/example_mlp.tar" host
step build "$utvm" build proj
step flash "$utvm" flash proj
step run "$utvm" run proj -i "$examples/example_mlp_inputs.npz" \
  --expected "$examples/example_mlp_outputs.npz"
grep -q "outputs match" "$work/run.log" || fail "run did not compare the outputs"

size=$(stat -c %s "$deb")
installed=$(dpkg-deb -f "$deb" Installed-Size)
awk -v name="$(basename "$deb")" -v size="$size" -v inst="$installed" -v t0="$start" -v t1="$end" \
  'BEGIN { printf "deb: %s, %d bytes (%.1f MiB), Installed-Size %s KiB, dpkg-deb -x in %.2f s\n",
           name, size, size / 1048576, inst, t1 - t0 }'
echo "PASS: the .deb unpacks to a utvm that lists every platform and runs the example on host"
