// What every built-in platform's Project API handler needs besides its own logic: typed option
// readers, file helpers, finding tools on PATH and running them with their output in a log, and
// drafting a generated project. One copy for host, baremetal, zephyr and arduino.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/quoting.h"
#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"
#include "utvm/platforms/board.h"
#include "utvm/platforms/platforms.h"
#include "utvm/project_api/errors.h"
#include "utvm/project_api/messages.h"

namespace utvm::platforms {

// A ProjectOption with the given metadata; empty `required` / `optional` lists stay null.
project_api::ProjectOption make_option(std::string name, std::string type,
                                       nlohmann::json default_value,
                                       std::vector<std::string> required,
                                       std::vector<std::string> optional, std::string help);

// Option readers. Values arrive typed (JSON bool / number / string) or, from tvmc-era clients, as
// strings; a value of the wrong kind is a project_api::ServerError naming the option.
// A missing, null or empty-string option is nullopt.
std::optional<std::string> str_option(const nlohmann::json& options, const char* name);
// true / false, "true" / "false" (or ""), or an integer (non-zero is true); missing is false.
bool bool_option(const nlohmann::json& options, const char* name);
// A non-negative integer, or a string of at most 18 decimal digits.
std::optional<std::uint64_t> uint_option(const nlohmann::json& options, const char* name);

// server_info_query's answer for `platform` served from `dir` without its options: a template
// unless `dir` holds model.tar, then a project whose model_library_format_path is that file's
// absolute path.
project_api::ServerInfo server_info_for(std::string platform, const std::filesystem::path& dir);

// The `board` option (required by generate_project, used by build, flash and open_transport)
// whose choices are the boards `load_boards(dir / "boards.json")` reads. A broken boards.json
// (utvm::Error) leaves the choices unset: generate_project reports it, the query still answers.
template <class LoadBoards>
project_api::ProjectOption board_option(std::string help, const std::filesystem::path& dir,
                                        LoadBoards load_boards) {
  auto board = make_option("board", "str", nullptr, {"generate_project"},
                           {"build", "flash", "open_transport"}, std::move(help));
  try {
    board.choices = board_names(load_boards(dir / "boards.json"));
  } catch (const Error&) {
  }
  return board;
}

// generate_project's board: the required `board` option looked up with
// `find_board(dir / "boards.json", name)`, whose utvm::Error (unknown board, broken file) becomes
// a project_api::ServerError with the same text.
template <class FindBoard>
auto generate_board(const nlohmann::json& options, const std::filesystem::path& dir,
                    FindBoard find_board) {
  auto name = str_option(options, "board");
  if (!name) throw project_api::ServerError("generate_project: option board is required");
  try {
    return find_board(dir / "boards.json", *name);
  } catch (const Error& e) {
    throw project_api::ServerError(e.what());
  }
}

// The `project_type` option (generate_project): host_driven, the only kind utvm generates.
project_api::ProjectOption project_type_option(std::string help);
// Throws project_api::ServerError when the `project_type` option is set to anything but
// host_driven.
void check_project_type(const nlohmann::json& options);

// Writes `text` to `path`, creating parent directories; throws utvm::Error on failure.
void write_file(const std::filesystem::path& path, const std::string& text);
// The whole file; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);
// The last `max` bytes of `text`, marked with "..." when cut.
std::string tail(const std::string& text, std::size_t max = 4000);

// Copies the file or directory `from` (recursively) to `to`; a missing `from` is a broken
// installation (utvm::Error).
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

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

// A generated project while generate_project writes it: the files go into `dir`, a temporary
// sibling of the final `project` directory. The MLF is already there as model.tar and extracted
// under model/. The firmware serves every module of the archive (one or several, export_model_
// library_format([...])); the link's HELLO selects one at run time.
struct ProjectDraft {
  const std::filesystem::path& mlf_path;  // the archive as the client named it (absolute)
  const std::filesystem::path& project;   // the final directory (absolute)
  const std::filesystem::path& dir;       // where the files go until the rename
  const mlf::Archive& archive;
  std::span<const mlf::Module> modules;  // every module, in the archive's order (at least one)

  // "sine", or the module names joined by '+' ("sine+multi_io"): project.json's model, build ids.
  std::string model_name() const;
  // Every module's C sources (archive member names), each once, sorted.
  std::vector<std::string> sources() const;
  // Bytes of all modules' tensors / constants together (each module has its own buffers).
  std::uint64_t io_bytes() const;
  std::uint64_t constants_bytes() const;
  // The workspace arena the firmware gets: `option`, or the largest module's default (the
  // modules share one arena; codegen::generate_firmware_c).
  std::uint64_t arena_bytes(std::optional<std::uint64_t> option) const;
  // src/utvm_glue.c: codegen::generate_firmware_c over every module.
  std::string executor_c(const std::string& build_id,
                         std::optional<std::uint64_t> workspace_size_bytes) const;
};

// generate_project's frame, the same for every platform: `project_dir` must not exist and the MLF
// must; the MLF is copied into a fresh temporary sibling directory, read and extracted; every
// module must have C sources (errors name `platform`). Then `fill` writes the
// platform's files, the project's launch_microtvm_api_server.sh (`utvm api-server <platform>`) is
// added and the directory is renamed into place. On any failure nothing is left behind and the
// error is a project_api::ServerError with its text (and a utvm::Error's exit code: option
// errors stay 3, unusable input 10).
void write_project(const std::filesystem::path& mlf_path, const std::filesystem::path& project_dir,
                   std::string_view platform, const std::function<void(const ProjectDraft&)>& fill);

}  // namespace utvm::platforms
