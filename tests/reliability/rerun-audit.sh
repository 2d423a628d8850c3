#!/usr/bin/env bash
# Re-runs issue 14's audit reproductions ROUNDS times: every Reliability.* test (option injection
# per platform, -f on foreign folders, SIGKILL and Ctrl-C loops over create-project, a hung fault
# server per step, concurrent builds, hostile archives / metadata / npz, special output files,
# leaked temporaries). The SIGKILL and interrupt tests pick new kill points each round's timing.
#   tests/reliability/rerun-audit.sh BUILD_DIR [ROUNDS=3]
set -euo pipefail
build=${1:?usage: rerun-audit.sh BUILD_DIR [ROUNDS]}
rounds=${2:-3}
cd "$build"
ctest -R 'Reliability\.' --repeat "until-fail:$rounds" --output-on-failure -j 2
