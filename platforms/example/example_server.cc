// The example (loopback) platform's Project API handler. See example_server.h.
#include "example_server.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <system_error>

namespace utvm::platforms::example {
namespace fs = std::filesystem;
using project_api::ProjectOption;
using project_api::ServerError;

namespace {

constexpr const char* kModelTar = "model.tar";
constexpr const char* kLaunchScript = "launch_microtvm_api_server.sh";
constexpr const char* kMarker = "project.json";

// Option values arrive as JSON strings from tvmc-style clients and typed from others.
std::optional<std::string> option_string(const nlohmann::json& options, const char* name) {
  if (!options.is_object()) return std::nullopt;
  const auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

fs::path this_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw ServerError("generate_project: cannot find the server executable: " + ec.message());
  return p;
}

void append_line(const fs::path& file, const std::string& line) {
  std::ofstream out(file, std::ios::app);
  out << line << '\n';
  if (!out) throw ServerError("cannot write " + file.string());
}

}  // namespace

ExampleHandler::ExampleHandler(fs::path server_dir) : dir_(std::move(server_dir)) {}

std::vector<ProjectOption> ExampleHandler::project_options() {
  const std::vector<std::string> gp = {"generate_project"};
  const std::vector<std::string> all = {"generate_project", "build", "flash", "open_transport"};
  std::vector<ProjectOption> opts;
  auto add = [&](ProjectOption o) { opts.push_back(std::move(o)); };
  add({"project_type", std::vector<std::string>{"host_driven", "aot_standalone_demo"}, nullptr,
       "str", gp, std::nullopt, "Type of project to generate."});
  add({"board", std::vector<std::string>{"loopback"}, "loopback", "str", std::nullopt,
       std::vector<std::string>{"generate_project", "open_transport"},
       "Name of the board to build for."});
  add({"verbose", std::nullopt, false, "bool", std::nullopt, std::vector<std::string>{"build"},
       "Run make with verbose output"});
  add({"workspace_size_bytes", std::nullopt, 2097152, "int", std::nullopt, gp,
       "Sets the value of TVM_WORKSPACE_SIZE_BYTES."});
  add({"read_chunk_size", std::nullopt, nullptr, "int", std::nullopt,
       std::vector<std::string>{"open_transport"},
       "Return at most this many bytes per read_transport (exercises partial reads)."});
  add({"fail_method",
       std::vector<std::string>{"generate_project", "build", "flash", "open_transport"}, nullptr,
       "str", std::nullopt, all,
       "Make this method fail with a ServerError (exercises error paths)."});
  return opts;
}

project_api::TransportTimeouts ExampleHandler::timeouts() {
  return {2.0, 5.0, 5.0};
}

bool ExampleHandler::is_project() const {
  return fs::is_regular_file(dir_ / kModelTar);
}

void ExampleHandler::maybe_fail(const char* method, const nlohmann::json& options) const {
  if (option_string(options, "fail_method") == std::string(method)) {
    throw ServerError(std::string(method) + " failed as requested by option fail_method");
  }
}

project_api::ServerInfo ExampleHandler::server_info_query(const std::string&) {
  project_api::ServerInfo info;
  info.platform_name = kPlatformName;
  info.is_template = !is_project();
  info.model_library_format_path =
      info.is_template ? std::string() : fs::absolute(dir_ / kModelTar).lexically_normal().string();
  info.project_options = project_options();
  return info;
}

void ExampleHandler::generate_project(const fs::path& model_library_format_path,
                                      const fs::path& standalone_crt_dir,
                                      const fs::path& project_dir, const nlohmann::json& options) {
  maybe_fail("generate_project", options);
  const auto project_type = option_string(options, "project_type");
  if (!project_type) throw ServerError("generate_project: option project_type is required");
  const fs::path mlf = model_library_format_path.is_absolute() ? model_library_format_path
                                                               : dir_ / model_library_format_path;
  if (!fs::is_regular_file(mlf)) {
    throw ServerError("generate_project: model library format archive " + mlf.string() +
                      " does not exist");
  }
  const fs::path project = project_dir.is_absolute() ? project_dir : dir_ / project_dir;
  std::error_code ec;
  if (fs::exists(project, ec)) {
    throw ServerError("generate_project: project directory " + project.string() +
                      " already exists");
  }
  fs::create_directories(project, ec);
  if (ec) {
    throw ServerError("generate_project: cannot create " + project.string() + ": " + ec.message());
  }
  fs::copy_file(mlf, project / kModelTar, ec);
  if (ec) throw ServerError("generate_project: copying " + mlf.string() + ": " + ec.message());

  const fs::path script = project / kLaunchScript;
  {
    std::ofstream out(script);
    out << "#!/bin/sh\n"
        << "# utvm example platform project: starts the Project API server (all args passed).\n"
        << "exec " << shell_quote(this_executable().string()) << " \"$@\"\n";
    if (!out) throw ServerError("generate_project: cannot write " + script.string());
  }
  fs::permissions(script,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);

  nlohmann::ordered_json marker;
  marker["platform"] = kPlatformName;
  marker["model_library_format_path"] = mlf.string();
  marker["standalone_crt_dir"] = standalone_crt_dir.string();
  marker["options"] = options;
  std::ofstream out(project / kMarker);
  out << marker.dump(2) << '\n';
  if (!out) throw ServerError("generate_project: cannot write " + (project / kMarker).string());
}

void ExampleHandler::build(const nlohmann::json& options) {
  maybe_fail("build", options);
  if (!is_project()) {
    throw ServerError("build: " + dir_.string() + " is a template, not a generated project");
  }
  std::error_code ec;
  fs::create_directories(dir_ / "build", ec);
  if (ec) throw ServerError("build: cannot create " + (dir_ / "build").string());
  append_line(dir_ / "build" / "calls.log", "build " + options.dump());
}

void ExampleHandler::flash(const nlohmann::json& options) {
  maybe_fail("flash", options);
  if (!fs::is_directory(dir_ / "build")) {
    throw ServerError("flash: no build in " + dir_.string() + "; run build first");
  }
  append_line(dir_ / "build" / "calls.log", "flash " + options.dump());
}

project_api::TransportTimeouts ExampleHandler::open_transport(const nlohmann::json& options) {
  maybe_fail("open_transport", options);
  read_chunk_size_ = 0;
  if (const auto chunk = option_string(options, "read_chunk_size")) {
    try {
      const long v = std::stol(*chunk);
      if (v <= 0) throw std::out_of_range("not positive");
      read_chunk_size_ = static_cast<std::size_t>(v);
    } catch (const std::exception&) {
      throw ServerError("open_transport: option read_chunk_size must be a positive integer, got " +
                        *chunk);
    }
  }
  open_ = true;
  return timeouts();
}

void ExampleHandler::close_transport() {
  open_ = false;
  loopback_.clear();
}

std::vector<std::uint8_t> ExampleHandler::read_transport(std::size_t n, std::optional<double>) {
  if (!open_) throw project_api::TransportClosedError();
  if (loopback_.empty()) throw project_api::IoTimeoutError();
  std::size_t take = std::min(n, loopback_.size());
  if (read_chunk_size_ != 0) take = std::min(take, read_chunk_size_);
  std::vector<std::uint8_t> out(loopback_.begin(),
                                loopback_.begin() + static_cast<std::ptrdiff_t>(take));
  loopback_.erase(loopback_.begin(), loopback_.begin() + static_cast<std::ptrdiff_t>(take));
  return out;
}

void ExampleHandler::write_transport(std::span<const std::uint8_t> data, std::optional<double>) {
  if (!open_) throw project_api::TransportClosedError();
  loopback_.insert(loopback_.end(), data.begin(), data.end());
}

}  // namespace utvm::platforms::example
