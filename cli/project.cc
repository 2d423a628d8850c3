// Project state shared by the CLI commands: utvm-project.json, option merging, server launching
// with interrupt handling and output redirection.
#include "utvm/cli/project.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

#include "project_publish.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/common/error.h"

namespace utvm::cli {
namespace fs = std::filesystem;
using project_api::UserOptions;
using project_api::ValueMode;

// ---- utvm-project.json ------------------------------------------------------------------------

nlohmann::ordered_json ProjectFile::to_json() const {
  nlohmann::ordered_json opts = nlohmann::ordered_json::object();
  for (const auto& o : options) {
    opts[o.name] = nlohmann::ordered_json{{"value", o.value}, {"source", o.source}};
  }
  return nlohmann::ordered_json{
      {"schema_version", schema_version},
      {"utvm_version", utvm_version},
      {"platform", platform},
      {"platform_name", platform_name},
      {"template_dir", template_dir.string()},
      {"mlf", {{"path", mlf_path.string()}, {"sha256", mlf_sha256}}},
      {"value_mode", value_mode == ValueMode::kStrings ? "strings" : "typed"},
      {"options", opts},
  };
}

ProjectFile ProjectFile::from_json(const nlohmann::json& j, const fs::path& file) {
  auto bad = [&](const std::string& what) {
    return Error(ExitCode::kBadInput, "reading " + file.string() + ": " + what +
                                          " (delete the file and re-run create-project)");
  };
  if (!j.is_object()) throw bad("expected a JSON object");
  ProjectFile p;
  try {
    p.schema_version = j.value("schema_version", 0);
    if (p.schema_version != kProjectFileSchema) {
      throw bad("unsupported schema_version " + std::to_string(p.schema_version));
    }
    p.utvm_version = j.value("utvm_version", "");
    p.platform = j.at("platform").get<std::string>();
    p.platform_name = j.value("platform_name", "");
    p.template_dir = j.at("template_dir").get<std::string>();
    if (auto it = j.find("mlf"); it != j.end() && it->is_object()) {
      p.mlf_path = it->value("path", "");
      p.mlf_sha256 = it->value("sha256", "");
    }
    p.value_mode =
        j.value("value_mode", "typed") == "strings" ? ValueMode::kStrings : ValueMode::kTyped;
    if (auto it = j.find("options"); it != j.end()) {
      if (!it->is_object()) throw bad("\"options\" must be an object");
      for (const auto& [name, entry] : it->items()) {
        if (!entry.is_object() || !entry.contains("value")) {
          throw bad("option '" + name + "' must be {\"value\": ..., \"source\": ...}");
        }
        p.options.push_back(PersistedOption{name, entry.at("value"), entry.value("source", "")});
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(e.what());
  }
  return p;
}

UserOptions ProjectFile::command_line_options() const {
  UserOptions out;
  for (const auto& o : options) {
    if (o.source == "command line") out.emplace_back(o.name, option_value_string(o.value));
  }
  return out;
}

std::optional<ProjectFile> load_project_file(const fs::path& project_dir) {
  const fs::path file = project_dir / kProjectFileName;
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ExitCode::kBadInput, "cannot open " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(ExitCode::kBadInput, "reading " + file.string() + ": not valid JSON: " + e.what());
  }
  return ProjectFile::from_json(j, file);
}

void save_project_file(const fs::path& project_dir, const ProjectFile& project) {
  const fs::path file = project_dir / kProjectFileName;
  const fs::path tmp = project_dir / (std::string(kProjectFileName) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << project.to_json().dump(2) << "\n";
    if (!out) throw Error(ExitCode::kBadInput, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw Error(ExitCode::kBadInput, "cannot write " + file.string() + ": " + ec.message());
}

fs::path resolve_project_dir(const std::string& arg) {
  fs::path dir = absolute_path(arg);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ExitCode::kBadInput, dir.string() + " doesn't exist.");
  return dir;
}

std::string option_value_string(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_null()) return "";
  return value.dump();
}

// ---- options ------------------------------------------------------------------------------------

nlohmann::json merge_method_options(std::string_view method,
                                    const std::vector<project_api::ProjectOption>& advertised,
                                    const ProjectFile* project, const UserOptions& given,
                                    ValueMode mode) {
  UserOptions persisted = project ? project->command_line_options() : UserOptions{};
  auto in = [](const UserOptions& list, const std::string& name) {
    for (const auto& [n, v] : list) {
      if (n == name) return true;
    }
    return false;
  };
  // What tvmc would have seen had the user retyped the persisted options that belong to this
  // method, plus the new ones.
  UserOptions for_validation;
  for (const auto& [name, value] : persisted) {
    if (in(given, name)) continue;
    for (const auto& o : advertised) {
      if (o.name == name && (o.is_required_for(method) || o.is_optional_for(method))) {
        for_validation.emplace_back(name, value);
        break;
      }
    }
  }
  for (const auto& kv : given)
    for_validation.push_back(kv);
  project_api::validate_options(method, advertised, for_validation);

  // What is sent: every persisted value (typed as at creation), the new ones on top, defaults.
  nlohmann::json options = nlohmann::json::object();
  if (project) {
    for (const auto& o : project->options) {
      if (o.source == "command line") options[o.name] = o.value;
    }
  }
  nlohmann::json converted = project_api::convert_options(given, advertised, mode);
  for (auto& [k, v] : converted.items())
    options[k] = v;
  return project_api::fill_defaults(std::move(options), advertised);
}

// ---- interrupts -------------------------------------------------------------------------------

namespace {

constexpr int kSlots = 16;
std::atomic<pid_t> g_groups[kSlots];
std::atomic<bool> g_handler_installed{false};

void on_terminate_signal(int sig) {
  static const char kMsg[] = "\nutvm: interrupted; stopping the Project API server\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)ignored;
  for (auto& slot : g_groups) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(-pid, SIGTERM);
  }
  timespec tick{0, 10 * 1000 * 1000};
  for (int i = 0; i < 50; ++i) {
    bool alive = false;
    for (auto& slot : g_groups) {
      pid_t pid = slot.load();
      if (pid <= 0) continue;
      ::waitpid(pid, nullptr, WNOHANG);
      if (::kill(-pid, 0) == 0) alive = true;
    }
    if (!alive) break;
    ::nanosleep(&tick, nullptr);
  }
  for (auto& slot : g_groups) {
    pid_t pid = slot.load();
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, WNOHANG);
    }
  }
  remove_staging_on_signal();  // a half-generated project (create-project)
  ::_exit(sig == SIGINT ? 130 : 128 + sig);
}

class SignalBlock {
 public:
  SignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlock() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

// Points fds 1 and 2 at `fd` while alive (so a spawned server inherits the log file).
class StdioRedirect {
 public:
  explicit StdioRedirect(int fd) {
    if (fd < 0) return;
    std::fflush(stdout);
    std::fflush(stderr);
    saved_out_ = ::dup(STDOUT_FILENO);
    saved_err_ = ::dup(STDERR_FILENO);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  ~StdioRedirect() {
    if (saved_out_ >= 0) {
      ::dup2(saved_out_, STDOUT_FILENO);
      ::close(saved_out_);
    }
    if (saved_err_ >= 0) {
      ::dup2(saved_err_, STDERR_FILENO);
      ::close(saved_err_);
    }
  }

 private:
  int saved_out_ = -1;
  int saved_err_ = -1;
};

}  // namespace

void install_interrupt_handler() {
  if (g_handler_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_terminate_signal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGHUP);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
}

LaunchedServer::LaunchedServer(const fs::path& dir, int output_fd,
                               project_api::ClientConfig config) {
  install_interrupt_handler();
  SignalBlock block;  // a Ctrl-C now is handled once the server's group is registered
  {
    StdioRedirect redirect(output_fd);
    client_.emplace(project_api::Client::launch(absolute_path(dir), std::move(config)));
  }
  const pid_t pid = client_->server_pid();
  for (int i = 0; i < kSlots && pid > 0; ++i) {
    pid_t expected = 0;
    if (g_groups[i].compare_exchange_strong(expected, pid)) {
      slot_ = i;
      break;
    }
  }
}

LaunchedServer::~LaunchedServer() {
  if (client_) client_->shutdown();
  client_.reset();
  if (slot_ >= 0) g_groups[slot_].store(0);
}

// ---- misc
// -----------------------------------------------------------------------------------------

std::string tail_lines(const fs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

}  // namespace utvm::cli
