#!/usr/bin/env bash
# ctest's last word on temporary files (issue 14 item 13): every test using the fixture
# utvm_test_tmpdir runs with TMPDIR=DIR; anything still in DIR at the end was left by a test.
#   check_tmpdir_empty.sh --fresh DIR   (fixture setup: DIR empty and present)
#   check_tmpdir_empty.sh DIR           (fixture cleanup: fails listing what is left)
set -euo pipefail
if [ "${1:-}" = "--fresh" ]; then
  dir=${2:?usage: check_tmpdir_empty.sh --fresh DIR}
  rm -rf "$dir"
  mkdir -p "$dir"
  exit 0
fi
dir=${1:?usage: check_tmpdir_empty.sh [--fresh] DIR}
[ -d "$dir" ] || exit 0
left=$(ls -A "$dir")
if [ -n "$left" ]; then
  echo "tests left these in $dir (the unit tests' TMPDIR):" >&2
  ls -la "$dir" >&2
  exit 1
fi
echo "TMPDIR $dir is empty"
