#!/usr/bin/env bash
# make demo: the main job on the embedded default.
set -euo pipefail
BUILD=${1:-build}
"$BUILD/bin/utvm" --version
