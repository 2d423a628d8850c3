#include "common/server_util.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "utvm/codegen/executor.h"
#include "utvm/codegen/glue.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"
#include "utvm/common/suggest.h"
#include "utvm/platforms/platforms.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;

api::ProjectOption make_option(std::string name, std::string type, json default_value,
                               std::vector<std::string> required, std::vector<std::string> optional,
                               std::string help) {
  api::ProjectOption o;
  o.name = std::move(name);
  o.type = std::move(type);
  o.default_value = std::move(default_value);
  if (!required.empty()) o.required = std::move(required);
  if (!optional.empty()) o.optional = std::move(optional);
  o.help = std::move(help);
  return o;
}

std::optional<std::string> str_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw api::ServerError(fmt::format("option {}: want a string, got {}", name, it->dump()));
  }
  if (it->get_ref<const std::string&>().empty()) return std::nullopt;
  return it->get<std::string>();
}

bool bool_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s == "true") return true;
    if (s == "false" || s.empty()) return false;
  }
  if (it->is_number_integer()) return it->get<long long>() != 0;
  throw api::ServerError(fmt::format("option {}: want true or false, got {}", name, it->dump()));
}

std::optional<std::uint64_t> uint_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<long long>() >= 0) return it->get<long long>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos)
      return std::stoull(s);
  }
  throw api::ServerError(
      fmt::format("option {}: want a non-negative integer, got {}", name, it->dump()));
}

api::ServerInfo server_info_for(std::string platform, const fs::path& dir) {
  api::ServerInfo info;
  info.platform_name = std::move(platform);
  const fs::path model_tar = dir / "model.tar";
  info.is_template = !fs::is_regular_file(model_tar);
  info.model_library_format_path = info.is_template ? "" : fs::absolute(model_tar).string();
  return info;
}

api::ProjectOption project_type_option(std::string help) {
  auto option =
      make_option("project_type", "str", "host_driven", {}, {"generate_project"}, std::move(help));
  option.choices = std::vector<std::string>{"host_driven"};
  return option;
}

void check_project_type(const json& options) {
  if (auto type = str_option(options, "project_type"); type && *type != "host_driven") {
    throw api::ServerError(fmt::format(
        "option project_type: '{}' is not supported by utvm (choices: host_driven)", *type));
  }
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.good()) throw Error(ExitCode::kFailure, fmt::format("cannot write {}", path.string()));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t max) {
  return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

void copy_tree(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) {
    throw Error(ExitCode::kFailure,
                fmt::format("utvm's files are missing: {} (broken installation?)", from.string()));
  }
  fs::create_directories(to.parent_path());
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

std::optional<fs::path> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  if (auto found = find_in_path(program, path)) return fs::path(*found);
  return std::nullopt;
}

int run_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
               const std::vector<std::pair<std::string, std::string>>& env) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw api::ServerError(fmt::format("cannot write {}", log.string()));
  std::string line = "$";
  for (const auto& a : argv)
    line += " " + a;
  line += "\n";
  if (::write(fd, line.data(), line.size()) < 0) {
    // the log is a convenience; the command still runs
  }
  if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
  }
  // The tool writes into a pipe copied to the log and to the server's stderr: the CLI's step log
  // (utvm-build.log, the file it names) or, with --verbose, the terminal.
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(fd);
    throw api::ServerError(fmt::format("cannot run {}: no pipe", argv.empty() ? "" : argv[0]));
  }
  SpawnOptions spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.stdout_fd = out[1];
  spec.stderr_fd = out[1];
  spec.extra_env = env;
  spec.new_process_group = false;  // Ctrl-C reaches the build tools with the server
  std::optional<int> status;
  Process p;
  try {
    p = Process::spawn(spec);
  } catch (const Error& e) {
    ::close(out[0]);
    ::close(out[1]);
    ::close(fd);
    throw api::ServerError(e.what());
  }
  ::close(out[1]);
  {
    // Until the tool exits (a helper it leaves behind may keep the pipe open: not waited for).
    // The copies are a convenience: a failed write loses output, the tool still runs.
    auto copy_out = [fd](const char* data, std::size_t n) {
      if (::write(fd, data, n) < 0) {
      }
      if (::write(STDERR_FILENO, data, n) < 0) {
      }
    };
    char buf[16384];
    for (;;) {
      pollfd pfd{out[0], POLLIN, 0};
      const int ready = ::poll(&pfd, 1, 100);
      if (ready > 0) {
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n > 0) {
          copy_out(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) break;  // EOF or a broken pipe
      }
      if (ready < 0 && errno != EINTR) break;
      if ((status = p.try_wait())) {
        // Drain what is already buffered, then stop.
        ssize_t n;
        while (::poll(&pfd, 1, 0) > 0 && (n = ::read(out[0], buf, sizeof buf)) > 0) {
          copy_out(buf, static_cast<std::size_t>(n));
        }
        break;
      }
    }
    ::close(out[0]);
    ::close(fd);
    if (!status) status = p.wait();
  }
  return *status;
}

void step_failed(const std::string& step, int status, const fs::path& log) {
  throw api::ServerError(fmt::format("{} failed ({}); log {}:\n{}", step,
                                     describe_exit_status(status), log.string(),
                                     tail(read_file(log))));
}

std::string ProjectDraft::model_name() const {
  std::string name;
  for (const mlf::Module& m : modules)
    name += (name.empty() ? "" : "+") + m.name;
  return name;
}

std::vector<std::string> ProjectDraft::sources() const {
  std::set<std::string> all;
  for (const mlf::Module& m : modules)
    all.insert(m.files.sources.begin(), m.files.sources.end());
  return {all.begin(), all.end()};
}

std::uint64_t ProjectDraft::io_bytes() const {
  std::uint64_t sum = 0;
  for (const mlf::Module& m : modules)
    sum += m.io_size_bytes;
  return sum;
}

std::uint64_t ProjectDraft::constants_bytes() const {
  std::uint64_t sum = 0;
  for (const mlf::Module& m : modules)
    sum += m.constants_size_bytes;
  return sum;
}

std::uint64_t ProjectDraft::arena_bytes(std::optional<std::uint64_t> option) const {
  if (option) return *option;
  std::uint64_t most = 0;
  for (const mlf::Module& m : modules)
    most = std::max(most, codegen::default_arena_bytes(m.workspace_size_bytes));
  return most;
}

std::string ProjectDraft::executor_c(const std::string& build_id,
                                     std::optional<std::uint64_t> workspace_size_bytes) const {
  codegen::ExecutorOptions exec;
  exec.build_id = build_id;
  exec.workspace_size_bytes = workspace_size_bytes;
  return codegen::generate_firmware_c(archive, modules, exec);
}

void write_project(const fs::path& mlf, const fs::path& project_dir, std::string_view platform,
                   const std::function<void(const ProjectDraft&)>& fill) {
  const fs::path mlf_path = fs::absolute(mlf);
  const fs::path project = fs::absolute(project_dir);
  if (fs::exists(project)) {
    throw api::ServerError(fmt::format("project directory {} already exists", project.string()));
  }
  if (!fs::is_regular_file(mlf_path)) {
    throw api::ServerError(fmt::format("MLF archive {} does not exist", mlf_path.string()));
  }
  const fs::path tmp =
      project.parent_path() /
      fmt::format(".{}.utvm-tmp-{}", project.filename().string(), static_cast<long>(::getpid()));
  try {
    fs::create_directories(project.parent_path());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    fs::copy_file(mlf_path, tmp / "model.tar");
    const auto archive = mlf::Archive::read(tmp / "model.tar");
    const auto model = mlf::load_model(archive, mlf_path.string());
    mlf::extract(archive, tmp / "model");
    for (const mlf::Module& module : model.modules) {
      if (module.files.sources.empty()) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("{}: module '{}' has no C sources (only object files built for "
                                "another target?); the {} platform compiles C",
                                mlf_path.string(), module.name, platform));
      }
    }
    fill(ProjectDraft{mlf_path, project, tmp, archive, model.modules});
    const fs::path launch = tmp / "launch_microtvm_api_server.sh";
    write_file(launch, fmt::format("#!/bin/sh\n# Project API server of this utvm {}-platform "
                                   "project.\nexec {} api-server {} \"$@\"\n",
                                   platform, shell_quote(self_executable().string()), platform));
    fs::permissions(launch, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    fs::rename(tmp, project);
  } catch (const api::ServerError&) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  } catch (const Error& e) {  // keeps its exit code (a bad option, an unusable MLF)
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw api::ServerError(e.what(), nullptr, {}, e.code());
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw api::ServerError(e.what());
  }
}

fs::path self_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("utvm") : exe;
}

}  // namespace utvm::platforms
