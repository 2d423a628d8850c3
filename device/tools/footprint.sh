#!/usr/bin/env bash
# Builds the device runtime + link (device/src, no port) for a Cortex-M3 with -Os and prints
# their footprint per object and in total, as arm-none-eabi-size reports it.
# Usage: footprint.sh DEVICE_DIR DLPACK_INCLUDE_DIR OUT_DIR [--check TEXT_MAX RAM_MAX]
# With --check, exits 1 when text or data+bss exceeds the limits, 77 without the toolchain.
set -euo pipefail
device_dir=$1 dlpack_dir=$2 out=$3
shift 3
if ! command -v arm-none-eabi-gcc >/dev/null; then
  echo "arm-none-eabi-gcc not found: cannot measure the Cortex-M footprint" >&2
  exit 77
fi
mkdir -p "$out/include/dlpack"
# The cross compiler must not see the host's /usr/include: give it dlpack.h alone.
cp "$dlpack_dir/dlpack/dlpack.h" "$out/include/dlpack/dlpack.h"
flags=(-std=c99 -Os -mcpu=cortex-m3 -mthumb -ffunction-sections -fdata-sections
  -Wall -Wextra -Wpedantic -Werror -I"$device_dir/include" -I"$out/include")
objs=()
for src in "$device_dir"/src/*.c; do
  obj="$out/$(basename "${src%.c}").o"
  arm-none-eabi-gcc "${flags[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done
echo "arm-none-eabi-gcc ${flags[*]}"
arm-none-eabi-size -t "${objs[@]}"
read -r text data bss _ < <(arm-none-eabi-size -t "${objs[@]}" | tail -1)
echo "device runtime + link, Cortex-M3 -Os: text ${text} B, data ${data} B, bss ${bss} B (RAM $((data + bss)) B)"
if [[ ${1:-} == --check ]]; then
  text_max=$2 ram_max=$3
  if ((text > text_max || data + bss > ram_max)); then
    echo "over budget: text ${text} > ${text_max} or RAM $((data + bss)) > ${ram_max}" >&2
    exit 1
  fi
fi
