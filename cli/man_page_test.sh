#!/usr/bin/env bash
# utvm(1) as the build wrote it: groff renders it without a warning, it documents every command
# `utvm --help` lists and every exit status, and it is what `utvm __man` prints now (not stale).
# Usage: man_page_test.sh UTVM PAGE
set -u
utvm=$1 page=$2
fail() { echo "FAIL: $*"; exit 1; }
[ -s "$page" ] || fail "$page is missing or empty"
cmp -s "$page" <("$utvm" __man) || fail "$page differs from 'utvm __man' (stale build?)"
command -v groff >/dev/null || { echo "SKIP: groff not installed (scripts/install-deps.sh)"; exit 77; }
warnings=$(groff -man -ww -z "$page" 2>&1)
[ -z "$warnings" ] || fail "groff warnings: $warnings"
text=$(groff -man -Tutf8 "$page" 2>/dev/null | sed 's/.\x08//g')
for cmd in $("$utvm" --help | sed -n '/^Subcommands:/,/^$/p' | sed -n 's/^  \([a-z-]*\).*/\1/p'); do
  grep -q "utvm $cmd" <<<"$text" || fail "command '$cmd' is not in the man page"
done
for code in 0 1 2 3 4 5 6 7 8 9 10 11 12 130; do
  grep -qE "^ +$code\b" <<<"$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$text")" ||
    fail "exit status $code is not documented"
done
echo "PASS: the man page renders and covers every command and exit status"
