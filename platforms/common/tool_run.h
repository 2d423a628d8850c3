// Build and flash tools run by a server: finding them on PATH and running them with their output
// in a log (and on the server's stderr, so in the CLI's step log), and the error for a failed step.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace utvm::platforms {

// The first executable `program` in $PATH.
std::optional<std::filesystem::path> find_on_path(const std::string& program);

// Runs argv in cwd with stdout and stderr appended to `log` (after a "$ argv" line) and copied to
// the server's stderr (so to the CLI's step log, or the terminal with --verbose), `env` added to
// the environment; returns the raw wait status. Ctrl-C reaches the tool too.
int run_logged(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
               const std::filesystem::path& log,
               const std::vector<std::pair<std::string, std::string>>& env = {});

// Throws project_api::ServerError "<step> failed (<status>); log <log>:\n<its tail>".
[[noreturn]] void step_failed(const std::string& step, int status,
                              const std::filesystem::path& log);

}  // namespace utvm::platforms
