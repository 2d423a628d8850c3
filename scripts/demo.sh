#!/usr/bin/env bash
# make demo: the main job on the embedded default platform (host). Takes the example MLF that the
# build generated (a small float32 MLP in TVM's Model Library Format), makes a project, builds it,
# "flashes" it and runs one inference with seeded random inputs, timed on the device side.
set -euo pipefail
BUILD=${1:-build}
UTVM="$BUILD/bin/utvm"
MLF="$BUILD/share/utvm/examples/example_mlp.tar"
PROJECT="$BUILD/demo/example-host"

echo "== utvm info $MLF"
"$UTVM" info "$MLF"
echo
echo "== utvm create-project $PROJECT $MLF host -f"
"$UTVM" create-project "$PROJECT" "$MLF" host -f
echo "== utvm build $PROJECT"
"$UTVM" build "$PROJECT" -f
echo "== utvm flash $PROJECT"
"$UTVM" flash "$PROJECT"
echo "== utvm run $PROJECT --fill-mode random --seed 1 --print-top 3 --print-time --repeat 5 --number 20"
"$UTVM" run "$PROJECT" --fill-mode random --seed 1 --print-top 3 --print-time --repeat 5 --number 20 \
  -o "$BUILD/demo/outputs.npz"
echo
echo "outputs written to $BUILD/demo/outputs.npz"
