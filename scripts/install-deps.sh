#!/usr/bin/env bash
# Installs every Debian package utvm needs to build, test and demo, and nothing else.
# Idempotent: runs `apt-get install` only for packages that are missing.
# Each dependency is named here once; nothing else in the repo installs software.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ make pkg-config
  # libraries
  nlohmann-json3-dev libcli11-dev libfmt-dev libarchive-dev libserialport-dev
  libdlpack-dev zlib1g-dev
  # tests, benchmarks, fuzzing, formatting
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format libclang-rt-14-dev python3
  hyperfine  # end-to-end CLI timings in docs/performance.md
  zsh fish   # the completion scripts run in every shell they are for (tests/cli/completion_test.sh)
  groff-base # the man page renders without warnings (cli/man_page_test.sh)
  # baremetal platform: Cortex-M cross compiler, C library, emulator
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  # arduino platform: AVR cross compiler + C library, the Arduino AVR core and its CLI builder,
  # the emulator library our utvm-avr-sim links against (ELF loading needs libelf), avrdude
  gcc-avr avr-libc arduino-core-avr arduino-builder simavr libsimavr-dev libelf-dev avrdude
  # zephyr platform: what a Zephyr 3.7 build needs besides cmake/ninja (west is optional), the C
  # library generated projects use with Debian's arm gcc, the i686 cross compiler and emulator
  # for qemu_x86 (docs/platform-zephyr.md)
  python3-pyelftools python3-yaml python3-pykwalify python3-ruamel.yaml python3-jsonschema
  python3-dateutil python3-packaging device-tree-compiler picolibc-arm-none-eabi
  gcc-i686-linux-gnu qemu-system-x86
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
