// Options shared by every utvm command (--verbose, --no-color), filled in by the parser before any
// command callback runs, and the exit code a command may set without throwing.
#pragma once

namespace utvm::cli {

struct Context {
  bool verbose = false;   // -v/--verbose: stream build/flash output instead of logging it
  bool no_color = false;  // --no-color (NO_COLOR in the environment has the same effect)
  int exit_code = 0;      // a command may set this instead of throwing (e.g. doctor's findings)
};
Context& cli_context();

}  // namespace utvm::cli
