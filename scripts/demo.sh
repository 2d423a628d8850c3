#!/usr/bin/env bash
# make demo: the main job. Takes the example MLF that the build generated (a small float32 MLP in
# TVM's Model Library Format), makes a project for the embedded default (host: a native POSIX
# program speaking utvm's link protocol), builds it, "flashes" it and runs inferences with seeded
# random inputs, timed on the device side. Then the same model goes to an emulated Cortex-M3
# microcontroller (baremetal, mps2_an385 under QEMU), whose outputs must equal the host's bit for
# bit (`utvm run --expected`, exit 9 otherwise).
set -euo pipefail
BUILD=${1:-build}
UTVM="$BUILD/bin/utvm"
MLF="$BUILD/share/utvm/examples/example_mlp.tar"
HOST="$BUILD/demo/example-host"
M3="$BUILD/demo/example-mps2_an385"
RUN_ARGS=(--fill-mode random --seed 1 --print-top 3 --print-time --repeat 5 --number 20)

echo "== utvm info $MLF"
"$UTVM" info "$MLF"
echo
echo "== utvm create-project $HOST $MLF host -f"
"$UTVM" create-project "$HOST" "$MLF" host -f
echo "== utvm build $HOST"
"$UTVM" build "$HOST" -f
echo "== utvm flash $HOST"
"$UTVM" flash "$HOST"
echo "== utvm run $HOST ${RUN_ARGS[*]} -o $BUILD/demo/outputs.npz"
"$UTVM" run "$HOST" "${RUN_ARGS[@]}" -o "$BUILD/demo/outputs.npz"
echo

if ! command -v qemu-system-arm >/dev/null || ! command -v arm-none-eabi-gcc >/dev/null; then
  echo "(skipping the Cortex-M3 part: qemu-system-arm or arm-none-eabi-gcc is missing; see utvm doctor)"
  exit 0
fi
echo "== utvm create-project $M3 $MLF baremetal --project-option board=mps2_an385 -f"
"$UTVM" create-project "$M3" "$MLF" baremetal --project-option board=mps2_an385 -f
echo "== utvm build $M3   (board remembered from create-project; prints the memory report)"
"$UTVM" build "$M3" -f
echo "== utvm flash $M3"
"$UTVM" flash "$M3"
echo "== utvm run $M3 ${RUN_ARGS[*]} --expected $BUILD/demo/outputs.npz"
"$UTVM" run "$M3" "${RUN_ARGS[@]}" --expected "$BUILD/demo/outputs.npz"
echo
echo "outputs written to $BUILD/demo/outputs.npz; the Cortex-M3 under QEMU computed the same bits"
