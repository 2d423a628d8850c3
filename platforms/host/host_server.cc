// The `host` platform's Project API server: the model runs as a native POSIX program that talks
// utvm's link protocol over its stdin/stdout.
//
// generate_project lays out PROJECT/{model.tar, model/, src/, runtime/, CMakeLists.txt,
// launch_microtvm_api_server.sh}; build runs CMake + Ninja in PROJECT/build (incremental);
// flash checks the build; open_transport starts PROJECT/build/utvm-device with pipes.
#include "host_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/build_dir.h"
#include "common/cmsis.h"
#include "common/server_options.h"
#include "project_layout.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"
#include "utvm/platforms/platforms.h"
#include "utvm/project_api/errors.h"
#include "utvm/transport/fd_stream.h"

namespace utvm::platforms::host {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;

namespace {

constexpr const char* kDeviceProgram = "utvm-device";

int run_tool(const std::vector<std::string>& argv, const fs::path& cwd) {
  SpawnOptions spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.new_process_group = false;  // Ctrl-C reaches the build tools with the server
  auto proc = Process::spawn(spec);
  return proc.wait();
}

}  // namespace

HostHandler::HostHandler() : dir_(fs::current_path()), device_(dir_) {}

HostHandler::~HostHandler() = default;

api::ServerInfo HostHandler::server_info_query(const std::string& /*tvm_version*/) {
  api::ServerInfo info = server_info_for("host", dir_);
  info.project_options = {
      make_option("verbose", "bool", false, {}, {"build"}, "Run the build with verbose output."),
      make_option("workspace_size_bytes", "int", nullptr, {}, {"generate_project"},
                  "Size of the device's workspace arena in bytes; defaults to what the model's "
                  "metadata needs plus alignment slack."),
      make_option("cflags", "str", nullptr, {}, {"generate_project"},
                  "Extra C compiler flags for the device program (space separated)."),
      cmsis_path_option(),
  };
  return info;
}

void HostHandler::generate_project(const fs::path& model_library_format_path,
                                   const fs::path& /*standalone_crt_dir*/,
                                   const fs::path& project_dir, const json& options) {
  ProjectLayoutRequest req;
  req.mlf_path = fs::absolute(model_library_format_path);
  req.project_dir = fs::absolute(project_dir);
  req.workspace_size_bytes = uint_option(options, "workspace_size_bytes");
  if (auto it = options.find("cflags"); it != options.end() && it->is_string())
    req.extra_cflags = it->get<std::string>();
  req.device_sources = data_dir() / "device";
  req.options = options;
  generate_host_project(req);
}

void HostHandler::build(const json& options) {
  if (!fs::is_regular_file(dir_ / "model.tar"))
    throw api::ServerError(fmt::format("{} is a template, not a generated project", dir_.string()));
  const bool verbose = bool_option(options, "verbose");
  const fs::path build_dir = dir_ / "build";
  claim_build_dir(dir_, build_dir);  // a copied or moved project builds its own sources
  if (!fs::exists(build_dir / "build.ninja")) {
    int rc = run_tool({"cmake", "-S", dir_.string(), "-B", build_dir.string(), "-G", "Ninja",
                       "-DCMAKE_BUILD_TYPE=Release"},
                      dir_);
    if (rc != 0)
      throw api::ServerError(fmt::format("build: cmake configure of {} failed ({})", dir_.string(),
                                         describe_exit_status(rc)));
  }
  std::vector<std::string> argv = {"cmake", "--build", build_dir.string()};
  if (verbose) argv.push_back("--verbose");
  int rc = run_tool(argv, dir_);
  if (rc != 0)
    throw api::ServerError(
        fmt::format("build: compiling {} failed ({})", dir_.string(), describe_exit_status(rc)));
}

void HostHandler::flash(const json& /*options*/) {
  const fs::path program = dir_ / "build" / kDeviceProgram;
  if (!fs::is_regular_file(program))
    throw api::ServerError(
        fmt::format("flash: no build found ({} is missing); run build first", program.string()));
}

api::TransportTimeouts HostHandler::open_transport(const json& /*options*/) {
  device_.close();
  const fs::path program = dir_ / "build" / kDeviceProgram;
  if (!fs::is_regular_file(program))
    throw api::ServerError(
        fmt::format("open_transport: no device program at {}; run build first", program.string()));
  int to_dev[2], from_dev[2];
  if (pipe2(to_dev, O_CLOEXEC) != 0) throw api::ServerError("open_transport: pipe failed");
  if (pipe2(from_dev, O_CLOEXEC) != 0) {
    close(to_dev[0]);
    close(to_dev[1]);
    throw api::ServerError("open_transport: pipe failed");
  }
  SpawnOptions spec;
  spec.argv = {program.string()};
  spec.cwd = dir_;
  spec.stdin_fd = to_dev[0];
  spec.stdout_fd = from_dev[1];
  std::optional<Process> program_process;
  try {
    program_process.emplace(Process::spawn(spec));
  } catch (...) {
    for (int fd : {to_dev[0], to_dev[1], from_dev[0], from_dev[1]})
      close(fd);
    throw;
  }
  close(to_dev[0]);
  close(from_dev[1]);
  return device_.open(
      std::make_unique<transport::FdStream>(from_dev[0], to_dev[1], "the device program",
                                            /*owns_fds=*/true),
      DeviceTransport::Medium::kPipe, std::move(program_process));
}

void HostHandler::close_transport() {
  device_.close();
}

std::vector<std::uint8_t> HostHandler::read_transport(std::size_t n,
                                                      std::optional<double> timeout_sec) {
  return device_.read(n, timeout_sec);
}

void HostHandler::write_transport(std::span<const std::uint8_t> data,
                                  std::optional<double> timeout_sec) {
  device_.write(data, timeout_sec);
}

}  // namespace utvm::platforms::host
