#!/usr/bin/env bash
# Build time, flash, RAM and device run time of the CMSIS-NN KWS model (MLPerf Tiny keyword
# spotting, ../shared/fixtures/mlf/kws_cmsisnn_nrf5340dk.tar) on the Cortex-M4, M33 and M55
# boards of the baremetal platform, as a Markdown table for docs/performance.md.
# Usage: scripts/cmsis-kws-report.sh [UTVM] [CMSIS_DIR] [KWS_MLF]
# Build time is `utvm build` from a clean project (CMSIS-NN's 72 sources included); flash and RAM
# are the firmware's memory report (RAM includes the 16 KiB stack); device time is the firmware's
# own SysTick measurement of one inference under QEMU (emulation speed, not silicon).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
utvm=${1:-$here/build/bin/utvm}
cmsis=${2:-$here/../shared/third_party/cmsis}
mlf=${3:-$here/../shared/fixtures/mlf/kws_cmsisnn_nrf5340dk.tar}
work=$(mktemp -d "${TMPDIR:-/tmp}/utvm-cmsis-kws.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "| board | CPU (CMSIS-NN path) | build time | flash used | RAM used | device time per inference |"
echo "|---|---|---|---|---|---|"
for spec in "mps2_an386:Cortex-M4 (DSP)" "mps2_an521:Cortex-M33 (portable C)" \
  "mps3_an547:Cortex-M55 (Helium/MVE)"; do
  board=${spec%%:*} cpu=${spec#*:}
  p="$work/$board"
  "$utvm" create-project "$p" "$mlf" baremetal --project-option "board=$board" \
    "cmsis_path=$cmsis" >/dev/null
  t0=$(date +%s.%N)
  "$utvm" build "$p" >/dev/null 2>&1
  t1=$(date +%s.%N)
  "$utvm" flash "$p" >/dev/null
  report="$p/build/memory_report.json"
  flash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flash"]["used"])' "$report")
  ram=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ram"]["used"])' "$report")
  mean=$("$utvm" run "$p" --fill-mode random --seed 1 --repeat 3 --json |
    python3 -c 'import json,sys; t=json.load(sys.stdin)["run_times_ns"]; t=[x for r in t for x in (r if isinstance(r, list) else [r])]; print("%.1f" % (sum(t)/len(t)/1e6))')
  printf '| %s | %s | %.1f s | %s B | %s B | %s ms |\n' "$board" "$cpu" \
    "$(echo "$t1 - $t0" | bc)" "$flash" "$ram" "$mean"
done
