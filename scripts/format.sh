#!/usr/bin/env bash
# Formats (fix) or checks (check) every C/C++ source in the repo with the project's .clang-format.
set -euo pipefail
mode=${1:-check}
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.cc' '*.cpp' '*.hpp' \
  | grep -v -E '^(build|build-[^/]*)/' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#files[@]} -eq 0 ] && exit 0
if [ "$mode" = fix ]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run -Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
fi
