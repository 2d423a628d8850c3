#include "minimal_server.h"

#include "common/project_draft.h"
#include "common/project_record.h"
#include "common/server_options.h"
#include "utvm/common/install_layout.h"
#include "utvm/platforms/board.h"

namespace utvm::platforms::minimal {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Step 2 of the doc: the board data, in the common schema; the platform's own field is
// "minimal": {"echo_program"}.
struct Board : platforms::Board {
  std::string echo_program;
};

void read_board(Board& b, const BoardFields& f) {
  b.echo_program = f.str("echo_program");
}

constexpr BoardSchema<Board> kBoards{"minimal", &read_board};

}  // namespace

MinimalHandler::MinimalHandler(fs::path dir) : DeviceHandler(dir), dir_(std::move(dir)) {}

project_api::ServerInfo MinimalHandler::server_info_query(const std::string& /*tvm_version*/) {
  project_api::ServerInfo info = server_info_for("minimal", dir_);
  info.project_options = {board_option("The loopback board.", dir_, kBoards)};
  return info;
}

void MinimalHandler::generate_project(const fs::path& model_library_format_path,
                                      const fs::path& /*standalone_crt_dir*/,
                                      const fs::path& project_dir, const json& options) {
  const Board board = generate_board(options, dir_, kBoards);
  write_project(model_library_format_path, project_dir, "minimal",
                [&](const ProjectDraft& draft) {
                  fs::copy_file(dir_ / "boards.json", draft.dir / "boards.json");
                  ProjectRecord record;
                  record.platform = "minimal";
                  record.board = board.name;
                  record.model = draft.model_name();
                  write_project_record(draft.dir, record);
                },
                {install::self_executable()});  // step 4: this server runs the project too
}

void MinimalHandler::build(const json& /*options*/) {
  project_board(dir_, read_project_record(dir_), "build", kBoards);
}

void MinimalHandler::flash(const json& /*options*/) {
  project_board(dir_, read_project_record(dir_), "flash", kBoards);
}

// Step 3 of the doc: how to reach the device. Everything else about the transport is
// DeviceHandler's.
OpenedDevice MinimalHandler::open_stream(const json& /*options*/) {
  const Board board = project_board(dir_, read_project_record(dir_), "open_transport", kBoards);
  SpawnOptions spec;
  spec.argv = {board.echo_program};
  spec.cwd = dir_;
  return program_on_pipes(std::move(spec), "the loopback", DeviceTransport::Medium::kPipe);
}

}  // namespace utvm::platforms::minimal
