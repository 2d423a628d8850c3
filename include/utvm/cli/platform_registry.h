// Finding platforms for the CLI: built-in template directories under
// <prefix>/share/utvm/platforms/<name>/ (found from the running binary, or $UTVM_DATA_DIR), each
// described by an optional platform.json, and their board data files. Nothing here knows any
// particular platform: names, descriptions, boards and required tools are all data.
//
// platform.json (all keys optional):
//   {"name": "host", "description": "...", "boards": "boards.json" | null,
//    "tools": [{"name": "cmake", "command": ["cmake", "--version"],
//               "fix": "sudo apt-get install cmake", "optional": false}]}
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/platforms/board.h"

namespace utvm::cli {

// A tool a platform needs on the host (checked by `utvm doctor`).
struct RequiredTool {
  std::string name;                  // shown to the user
  std::vector<std::string> command;  // run to check it (e.g. {"cmake", "--version"})
  std::string fix;                   // how to get it
  bool optional = false;             // a missing optional tool is a warning, not a failure
  // Checked only when this environment variable is set (e.g. ZEPHYR_BASE: what a build against
  // a configured Zephyr tree needs); otherwise doctor lists it as skipped.
  std::string when_env;
};

// One tool entry as platform.json and doctor-tools.json write it: {"name", "command": [...],
// "fix", "optional", "when_env"}; the command defaults to NAME --version. nullopt for an entry
// that is not an object with a name.
std::optional<RequiredTool> required_tool_from_json(const nlohmann::json& entry);

struct PlatformEntry {
  std::string name;
  std::filesystem::path template_dir;  // absolute
  std::string description;
  std::filesystem::path boards_file;  // absolute; empty when the platform has no board data
  std::vector<RequiredTool> tools;
  std::string error;  // set by list_platforms() when platform.json is unusable (doctor shows it)
};

// Reads <dir>/platform.json (if any); the name defaults to the directory name.
// Throws utvm::Error(kBadInput) naming the file when platform.json is not valid JSON.
PlatformEntry read_platform_dir(const std::filesystem::path& dir);

// Every built-in platform (sub-directories of install::platforms_dir() holding a Project API
// server), sorted by name. Missing root → empty list. A broken platform.json does not hide the
// others: that platform is listed by its directory name with `error` set.
std::vector<PlatformEntry> list_platforms();

// The built-in platform `name`; throws utvm::Error(kUsage) listing the known names otherwise.
PlatformEntry find_platform(const std::string& name);

// Whether `dir` is the template directory of a built-in platform (also when reached through
// `template --template-dir`): such templates bring utvm's runtime, any other needs TVM's CRT.
bool is_builtin_template(const std::filesystem::path& dir);

// A board of an installed platform: the one board model (utvm/platforms/board.h; `data` is its
// entry as written) and the platform it belongs to.
struct Board : platforms::Board {
  std::string platform;
};

// Boards from a platform's data file, by name, read by platforms::load_boards (the schema and
// the accepted shapes are documented there). Throws utvm::Error(kBadInput) naming the file when
// it is unreadable or a field is mistyped.
std::vector<Board> read_boards(const PlatformEntry& platform);

// Absolute, normalised form of a user-given path (relative to the current directory).
std::filesystem::path absolute_path(const std::filesystem::path& p);

}  // namespace utvm::cli
