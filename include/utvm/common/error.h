// utvm's error type and the process exit codes every command maps errors to.
// Every failure a user can cause (bad archive, bad option, dead server, broken link) is thrown as
// utvm::Error with the exit code that docs/cli.md documents; the CLI prints what() and exits.
#pragma once

#include <stdexcept>
#include <string>

namespace utvm {

// Documented in docs/cli.md. Values are part of the CLI contract: never renumber.
enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,            // an unexpected internal failure
  kUsage = 2,              // wrong command line (unknown flag, missing argument)
  kOption = 3,             // a project option is missing, unknown or has a bad value
  kServerNotFound = 4,     // no Project API server in the directory
  kServerError = 5,        // the server failed, crashed, hung or broke the protocol
  kBuildFailed = 6,        // the platform's build failed
  kFlashFailed = 7,        // the platform's flash failed
  kTransport = 8,          // the link to the device failed or timed out
  kOutputMismatch = 9,     // outputs differ from what was expected
  kBadInput = 10,          // an input file (MLF archive, .npz, project dir) is unusable
  kBusy = 11,              // another utvm holds the project (build/flash/run with --no-wait)
  kBenchmarkInvalid = 12,  // `bench`: the run broke an MLPerf Tiny rule (windows under 10 s)
  kInterrupted = 130,      // Ctrl-C
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace utvm
