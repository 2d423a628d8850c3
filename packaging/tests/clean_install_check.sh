#!/usr/bin/env bash
# The .deb on a clean Debian 12 (issue 13): `apt install ./utvm_*.deb` in a fresh minbase
# bookworm root made by debootstrap, then, inside it, what a new user does: `utvm doctor`,
# `utvm platforms`, and create-project -> build -> flash -> run of the installed example model on
# host and on baremetal (mps2_an386 under QEMU, from the package's Recommends), each checked
# against the expected outputs. Prints the download+install time and the installed size.
#
# Usage (as root; needs debootstrap and Debian's mirror):
#   clean_install_check.sh DEB [ROOT_DIR]
# ROOT_DIR is made with debootstrap when it holds no system yet (reused otherwise, which saves the
# bootstrap), and removed at the end unless it was given. Exit 0 = pass, 1 = fail, 77 = skipped
# (not root, or no debootstrap), saying why.
set -u
deb=${1:?usage: clean_install_check.sh DEB [ROOT_DIR]}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (debootstrap, chroot)"; exit 77; }
command -v debootstrap >/dev/null || { echo "SKIP: no debootstrap (apt-get install debootstrap)"; exit 77; }
[ -f "$deb" ] || { echo "FAIL: no such package: $deb"; exit 1; }
deb=$(realpath "$deb")
keep_root=1
if [ $# -ge 2 ]; then root=$(realpath -m "$2"); else root=$(mktemp -d /var/tmp/utvm-clean-XXXXXX); keep_root=0; fi
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null; done
  rm -rf "$root/tmp/utvm-check"
  [ "$keep_root" = 1 ] || rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ ! -x "$root/bin/sh" ]; then
  echo "debootstrap: minbase bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.debootstrap.log" 2>&1 ||
    fail "debootstrap: $(tail -5 "$root.debootstrap.log")"
  rm -f "$root.debootstrap.log"
fi
for m in proc dev; do
  mkdir -p "$root/$m"
  if [ $m = proc ]; then mount -t proc proc "$root/proc"; else mount --bind /dev "$root/dev"; fi || fail "mount $m"
  mounted+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
work=/tmp/utvm-check
mkdir -p "$root$work"
cp "$deb" "$root$work/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }

in_root dpkg -s utvm >/dev/null 2>&1 && fail "utvm is already installed in $root: not a clean system"
in_root apt-get update -q >"$root$work/update.log" 2>&1 || fail "apt-get update: $(tail -5 "$root$work/update.log")"
start=$(date +%s)
in_root apt-get install -y -q "$work/$(basename "$deb")" >"$root$work/install.log" 2>&1 ||
  fail "apt install ./$(basename "$deb"): $(tail -20 "$root$work/install.log")"
end=$(date +%s)
echo "apt install ./$(basename "$deb"): $((end - start)) s (downloads included)"
grep -iE "newly installed|need to get|additional disk space" "$root$work/install.log"

[ "$(in_root sh -c 'command -v utvm')" = /usr/bin/utvm ] || fail "utvm is not /usr/bin/utvm"
step() {  # name command... (run in the root, in $work)
  local name=$1; shift
  in_root sh -c "cd $work && \"\$@\"" sh "$@" >"$root$work/$name.log" 2>&1 ||
    fail "$name: $(tail -20 "$root$work/$name.log")"
  echo "ok: $name"
}
# doctor exits non-zero while a suggested platform's tools (arduino, zephyr) are missing; what
# matters is that host and baremetal are ready.
in_root utvm doctor >"$root$work/doctor.log" 2>&1
grep -E "^(host|baremetal)" "$root$work/doctor.log" | grep -Ei "missing|broken" &&
  fail "doctor says host/baremetal lack something: $(cat "$root$work/doctor.log")"
step platforms utvm platforms --names
for p in arduino baremetal example host zephyr; do
  grep -qx "$p" "$root$work/platforms.log" || fail "utvm platforms does not list $p"
done
ex=/usr/share/utvm/examples
for plat in host baremetal; do
  opts=()
  [ $plat = baremetal ] && opts=(--project-option board=mps2_an386)
  step "create-$plat" utvm create-project "p-$plat" "$ex/example_mlp.tar" $plat "${opts[@]}"
  step "build-$plat" utvm build "p-$plat"
  step "flash-$plat" utvm flash "p-$plat"
  step "run-$plat" utvm run "p-$plat" -i "$ex/example_mlp_inputs.npz" --expected "$ex/example_mlp_outputs.npz"
  grep -q "outputs match" "$root$work/run-$plat.log" || fail "run on $plat did not compare the outputs"
done
echo "installed: $(in_root dpkg-query -W -f='${Installed-Size}' utvm) KiB for utvm itself"
echo "PASS: apt install of the .deb on a clean Debian 12 gives a utvm that runs host and baremetal"
