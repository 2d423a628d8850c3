#!/usr/bin/env bash
# Shell completion through the real shells: each script from `utvm completion SHELL` is loaded in
# bash, zsh and fish and asked to complete the same command lines (commands, platforms, project
# option names and choices, flags). bash and fish run their own completion machinery (bash's
# completion function with the COMP_* variables bash would set; fish's `complete -C`). zsh's
# completion system needs a terminal, so there the generated _utvm function runs with compadd and
# _files recorded: that checks the script's syntax and logic, and that $PATH survives it.
# A shell that is not installed is skipped, saying so.
# Usage: completion_test.sh UTVM_BIN_DIR
set -u
export PATH="$1:$PATH"
fail=0
check() {  # name expected-word actual-words
  if grep -qx -- "$2" <<<"$3"; then echo "ok: $1"; else echo "FAIL: $1: want '$2' in: $3"; fail=1; fi
}

# bash: COMP_WORDS as bash splits it (also at '='), COMP_LINE/COMP_POINT as typed.
bash_complete() {  # LINE WORDS... (the words as bash splits them; the last is the current one)
  bash -c '
    source <(utvm completion bash)
    line=$1; shift
    COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
    _utvm
    printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
out=$(bash_complete "utvm cre" utvm cre)
check "bash: commands" create-project "$out"
out=$(bash_complete "utvm create-project p m.tar ba" utvm create-project p m.tar ba)
check "bash: platforms" baremetal "$out"
out=$(bash_complete "utvm create-project p m.tar baremetal --project-option bo" \
  utvm create-project p m.tar baremetal --project-option bo)
check "bash: option names" board= "$out"
out=$(bash_complete "utvm create-project p m.tar baremetal --project-option board=mps2_an38" \
  utvm create-project p m.tar baremetal --project-option board = mps2_an38)
check "bash: boards after '='" mps2_an385 "$out"
out=$(bash_complete "utvm run --run-t" utvm run --run-t)
check "bash: flags" --run-timeout "$out"

if command -v zsh >/dev/null; then
  out=$(zsh -f -c '
    compadd() { while [[ $1 == -* ]]; do [[ $1 == -- ]] && { shift; break }; [[ $1 == -S ]] && shift; shift; done; print -l -- "$@" }
    _files() { print -- "(files)" }
    compdef() { print -- "compdef $*" }
    source <(utvm completion zsh)
    words=(utvm create-project p m.tar zephyr --project-option board=qemu_x)
    CURRENT=7
    _utvm
    whence -p utvm >/dev/null && print -- "(path intact)"')
  check "zsh: sourced registers with compdef" "compdef _utvm utvm" "$out"
  check "zsh: boards" board=qemu_x86 "$out"
  check "zsh: \$PATH intact inside _utvm" "(path intact)" "$out"
  head -1 <(utvm completion zsh) | grep -qx "#compdef utvm" && echo "ok: zsh: #compdef line" ||
    { echo "FAIL: zsh script lacks '#compdef utvm'"; fail=1; }
else
  echo "SKIP: zsh is not installed (scripts/install-deps.sh installs it for this test)"
fi

if command -v fish >/dev/null; then
  out=$(fish -c 'utvm completion fish | source
    complete -C "utvm create-project p m.tar baremetal --project-option board=mps2_an38"
    complete -C "utvm completion "')
  check "fish: boards" board=mps2_an385 "$out"
  check "fish: shells" fish "$out"
else
  echo "SKIP: fish is not installed (scripts/install-deps.sh installs it for this test)"
fi
exit $fail
