// The options every built-in platform's server advertises and reads: ProjectOption metadata, typed
// readers of the options a client sends (typed JSON, or strings from tvmc-era clients), the
// `board` and `project_type` options, and server_info_query's answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/common/error.h"
#include "utvm/platforms/board.h"
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
// whose choices are the boards `boards.load(dir / "boards.json")` reads. A broken boards.json
// (utvm::Error) leaves the choices unset: generate_project reports it, the query still answers.
template <class PlatformBoard>
project_api::ProjectOption board_option(std::string help, const std::filesystem::path& dir,
                                        const BoardSchema<PlatformBoard>& boards) {
  auto board = make_option("board", "str", nullptr, {"generate_project"},
                           {"build", "flash", "open_transport"}, std::move(help));
  try {
    board.choices = board_names(boards.load(dir / "boards.json"));
  } catch (const Error&) {
  }
  return board;
}

// generate_project's board: the required `board` option looked up with
// `boards.find(dir / "boards.json", name)`, whose utvm::Error (unknown board, broken file)
// becomes a project_api::ServerError with the same text.
template <class PlatformBoard>
PlatformBoard generate_board(const nlohmann::json& options, const std::filesystem::path& dir,
                             const BoardSchema<PlatformBoard>& boards) {
  auto name = str_option(options, "board");
  if (!name) throw project_api::ServerError("generate_project: option board is required");
  try {
    return boards.find(dir / "boards.json", *name);
  } catch (const Error& e) {
    throw project_api::ServerError(e.what());
  }
}

// The `project_type` option (generate_project): host_driven, the only kind utvm generates.
project_api::ProjectOption project_type_option(std::string help);
// Throws project_api::ServerError when the `project_type` option is set to anything but
// host_driven.
void check_project_type(const nlohmann::json& options);

}  // namespace utvm::platforms
