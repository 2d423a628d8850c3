#!/usr/bin/env bash
# Installs every Debian package utvm needs to build, test and demo, and nothing else.
# Idempotent: runs `apt-get install` only for packages that are missing.
# Each dependency is named here once; nothing else in the repo installs software.
set -euo pipefail

# The groups below are read by packaging/CMakeLists.txt for the Debian package (one word or
# comment per line part; no parentheses inside a group): RUNTIME is its Depends (shared libraries
# come from dpkg-shlibdeps), BAREMETAL_TOOLS its Recommends, ARDUINO_TOOLS and ZEPHYR_TOOLS its
# Suggests.

# What the installed utvm runs for the host platform: CMake + Ninja + a C compiler and libc headers
RUNTIME=(
  cmake ninja-build gcc libc6-dev
)
# baremetal platform: Cortex-M cross compiler, C library, emulator
BAREMETAL_TOOLS=(
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
)
# arduino platform: AVR cross compiler + C library, the Arduino AVR core and its CLI builder,
# the emulator, avrdude
ARDUINO_TOOLS=(
  gcc-avr avr-libc arduino-core-avr arduino-builder simavr avrdude
)
# zephyr platform: what a Zephyr 3.7 build needs besides cmake/ninja - west is optional -, the C
# library generated projects use with Debian's arm gcc, the i686 cross compiler and emulator
# for qemu_x86, see docs/platform-zephyr.md
ZEPHYR_TOOLS=(
  python3-pyelftools python3-yaml python3-pykwalify python3-ruamel.yaml python3-jsonschema
  python3-dateutil python3-packaging device-tree-compiler picolibc-arm-none-eabi
  gcc-i686-linux-gnu qemu-system-x86
)
# Building utvm: compilers and libraries; utvm-avr-sim links libsimavr, ELF loading needs libelf,
# the project record's model digest (SHA-256) comes from nettle
BUILD=(
  g++ make pkg-config
  nlohmann-json3-dev libcli11-dev libfmt-dev libarchive-dev libserialport-dev
  libdlpack-dev zlib1g-dev libsimavr-dev libelf-dev nettle-dev
)
# Tests, benchmarks, fuzzing, formatting, packaging; hyperfine times the CLI end to end for
# docs/performance.md; zsh and fish run the completion scripts, groff renders the man page;
# debootstrap makes the clean Debian 12 root of `make deb-check`
TEST_TOOLS=(
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev python3
  hyperfine dpkg-dev fakeroot zsh fish groff-base debootstrap
)

PACKAGES=("${RUNTIME[@]}" "${BAREMETAL_TOOLS[@]}" "${ARDUINO_TOOLS[@]}" "${ZEPHYR_TOOLS[@]}"
  "${BUILD[@]}" "${TEST_TOOLS[@]}")

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
