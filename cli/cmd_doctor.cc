// `utvm doctor [--json] [--zephyr-base DIR] [--cmsis-path DIR]`: checks utvm's data directory,
// the Zephyr and CMSIS trees when given, and every external tool the platforms need, and prints a
// fix for each failure. Tool lists are data: a platform's platform.json "tools", else the entry
// for its name in <data dir>/doctor-tools.json (which also covers platforms that are not
// installed). The directory checks are in doctor_trees.cc.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "doctor_trees.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/cli/term.h"
#include "utvm/common/error.h"
#include "utvm/common/install_layout.h"
#include "utvm/common/subprocess.h"
#include "utvm/platforms/platforms.h"

namespace {
namespace fs = std::filesystem;
using utvm::cli::RequiredTool;

struct Check {
  std::string platform;
  std::string tool;
  std::string status;  // "ok", "missing", "broken", "warning", "skipped"
  std::string path;
  std::string version;
  std::string fix;
  bool optional = false;
  bool tree = false;  // a directory check: `path` says what was found or what is wrong
};

std::string find_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  return utvm::find_in_path(name, path ? path : "/usr/bin:/bin").value_or("");
}

// Runs the check command (5 s limit) and returns its first output line; nullopt when it fails.
std::optional<std::string> run_version(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  utvm::SpawnOptions opts;
  opts.argv = argv;
  opts.stdin_fd = devnull;
  opts.stdout_fd = fds[1];
  opts.stderr_fd = fds[1];
  std::string out;
  std::optional<int> status;
  try {
    utvm::Process proc = utvm::Process::spawn(opts);
    ::close(fds[1]);
    fds[1] = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fds[0], POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      if (out.size() < 65536) out.append(buf, static_cast<std::size_t>(n));
    }
    status = proc.wait_for(std::chrono::milliseconds(200));
    if (!status) proc.terminate(std::chrono::milliseconds(200));
  } catch (const utvm::Error&) {
  }
  if (fds[1] >= 0) ::close(fds[1]);
  ::close(fds[0]);
  if (devnull >= 0) ::close(devnull);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) return std::nullopt;
  std::string line = out.substr(0, out.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

Check check_tool(const std::string& platform, const RequiredTool& tool) {
  Check c{platform, tool.name, "ok", "", "", tool.fix, tool.optional};
  if (!tool.when_env.empty()) {
    const char* v = std::getenv(tool.when_env.c_str());
    if (!v || !*v) {
      c.status = "skipped";
      c.fix = "set $" + tool.when_env + " to check it";
      return c;
    }
  }
  const std::string exe = tool.command.empty() ? tool.name : tool.command[0];
  c.path = find_on_path(exe);
  if (c.path.empty()) {
    c.status = tool.optional ? "warning" : "missing";
    return c;
  }
  auto version = run_version(tool.command);
  if (!version) {
    c.status = tool.optional ? "warning" : "broken";
    return c;
  }
  c.version = *version;
  return c;
}

std::map<std::string, std::vector<RequiredTool>> read_tool_table() {
  std::map<std::string, std::vector<RequiredTool>> table;
  fs::path file = utvm::install::platforms_dir().parent_path() / "doctor-tools.json";
  std::ifstream in(file);
  if (!in) return table;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("platforms") || !j["platforms"].is_object()) return table;
  for (const auto& [name, list] : j["platforms"].items()) {
    if (!list.is_array()) continue;
    for (const auto& t : list) {
      if (auto tool = utvm::cli::required_tool_from_json(t))
        table[name].push_back(std::move(*tool));
    }
  }
  return table;
}

struct DoctorArgs {
  bool json = false;
  std::string zephyr_base;
  std::string cmsis_path;
};

// A directory check as a row of the report, under the group `group`.
Check tree_row(const std::string& group, const utvm::cli::TreeCheck& t, bool optional) {
  return Check{group, t.what, t.status, t.detail, "", t.fix, optional, true};
}

// The path given by `option`, else by the environment variable `env`; `from` says which.
std::string given_path(const std::string& option, const char* flag, const char* env,
                       std::string* from) {
  if (!option.empty()) {
    *from = flag;
    return option;
  }
  const char* v = std::getenv(env);
  *from = std::string("$") + env;
  return v ? v : "";
}

void run_doctor(const DoctorArgs& args) {
  const bool json = args.json;
  std::vector<Check> checks;
  const fs::path data = utvm::install::data_dir();
  std::vector<std::string> builtin(utvm::platforms::kBuiltinPlatforms.begin(),
                                   utvm::platforms::kBuiltinPlatforms.end());
  for (const auto& t : utvm::cli::check_data_dir(data, builtin))
    checks.push_back(tree_row("utvm data", t, t.status == "warning"));
  std::string from;
  const std::string zephyr = given_path(args.zephyr_base, "--zephyr-base", "ZEPHYR_BASE", &from);
  // The zephyr platform's tool checks that need a tree see the one given here.
  if (!args.zephyr_base.empty()) ::setenv("ZEPHYR_BASE", args.zephyr_base.c_str(), 1);
  checks.push_back(tree_row("trees", utvm::cli::check_zephyr_tree(zephyr, from), zephyr.empty()));
  const std::string cmsis = given_path(args.cmsis_path, "--cmsis-path", "CMSIS_PATH", &from);
  checks.push_back(tree_row("trees", utvm::cli::check_cmsis_tree(cmsis, from), cmsis.empty()));
  auto table = read_tool_table();
  auto platforms = utvm::cli::list_platforms();
  std::set<std::string> seen;
  for (const auto& p : platforms) {
    seen.insert(p.name);
    if (!p.error.empty()) {
      checks.push_back(Check{p.name, "platform.json", "broken",
                             (p.template_dir / "platform.json").string(), "",
                             "fix the file: " + p.error, false});
    }
    const fs::path launch = p.template_dir / "launch_microtvm_api_server.sh";
    std::error_code ec;
    if (fs::is_regular_file(launch, ec)) {
      bool exec_ok = ::access(launch.c_str(), X_OK) == 0;
      checks.push_back(Check{p.name, "launch_microtvm_api_server.sh", exec_ok ? "ok" : "broken",
                             launch.string(), "", exec_ok ? "" : "chmod +x " + launch.string(),
                             false});
    } else if (fs::is_regular_file(p.template_dir / "microtvm_api_server.py", ec)) {
      checks.push_back(check_tool(p.name, RequiredTool{"python3 (Python template)",
                                                       {"python3", "--version"},
                                                       "sudo apt-get install python3",
                                                       false,
                                                       ""}));
    }
    const auto& tools = !p.tools.empty() ? p.tools : table[p.name];
    for (const auto& t : tools)
      checks.push_back(check_tool(p.name, t));
  }
  // Platforms utvm knows tools for but that are not installed: informational only.
  for (const auto& [name, tools] : table) {
    if (seen.count(name)) continue;
    for (auto t : tools) {
      t.optional = true;
      Check c = check_tool(name + " (not installed)", t);
      checks.push_back(c);
    }
  }

  bool ok = true;
  for (const auto& c : checks) {
    if (c.status == "missing" || c.status == "broken") ok = false;
  }
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : checks) {
      arr.push_back({{"platform", c.platform},
                     {"tool", c.tool},
                     {"status", c.status},
                     {"path", c.path},
                     {"version", c.version},
                     {"fix", c.status == "ok" ? "" : c.fix},
                     {"optional", c.optional}});
    }
    nlohmann::json out{{"schema_version", 1},
                       {"ok", ok},
                       {"platforms_dir", utvm::install::platforms_dir().string()},
                       {"checks", arr}};
    std::puts(out.dump(2).c_str());
  } else {
    const bool color = utvm::cli::use_color(STDOUT_FILENO);
    auto paint = [&](const std::string& s, const char* code) {
      return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
    };
    std::printf("platforms: %s\n", utvm::install::platforms_dir().c_str());
    if (platforms.empty()) std::printf("  (no built-in platform found)\n");
    std::string last;
    for (const auto& c : checks) {
      if (c.platform != last) {
        std::printf("%s\n", c.platform.c_str());
        last = c.platform;
      }
      std::string mark = c.status == "ok"        ? paint("ok     ", "32")
                         : c.status == "skipped" ? paint("skipped", "2")
                         : c.status == "warning"
                             ? paint("warning", "33")
                             : paint(c.status == "missing" ? "missing" : "broken ", "31");
      std::string detail = c.status == "ok"        ? (c.version.empty() ? c.path : c.version)
                           : c.status == "skipped" ? "not checked"
                           : c.tree                ? c.path
                           : c.path.empty()        ? "not found on PATH"
                                                   : c.path + " does not run";
      std::printf("  %s %-28s %s\n", mark.c_str(), c.tool.c_str(), detail.c_str());
      if (c.status != "ok" && !c.fix.empty()) std::printf("          fix: %s\n", c.fix.c_str());
    }
    std::printf("%s\n", ok ? "everything required was found"
                           : "something required is missing or broken (see the fixes above)");
  }
  if (!ok) utvm::cli::cli_context().exit_code = static_cast<int>(utvm::ExitCode::kFailure);
}

}  // namespace

void register_doctor_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "doctor", "Check utvm's data, the Zephyr and CMSIS trees and the tools each platform needs");
  auto args = std::make_shared<DoctorArgs>();
  cmd->add_flag("--json", args->json, "Print JSON (schema_version 1) instead of text");
  cmd->add_option("--zephyr-base", args->zephyr_base,
                  "Zephyr tree to check (default: $ZEPHYR_BASE)");
  cmd->add_option("--cmsis-path", args->cmsis_path, "CMSIS tree to check (default: $CMSIS_PATH)");
  cmd->footer(
      "Examples:\n"
      "  utvm doctor\n"
      "  utvm doctor --json\n"
      "  utvm doctor --zephyr-base ~/zephyrproject/zephyr --cmsis-path ~/cmsis\n"
      "Checks utvm's data directory, the Zephyr and CMSIS trees when given, and the tools each\n"
      "platform needs. Exits 1 when something required is missing or broken; each failure\n"
      "prints its fix.");
  cmd->callback([args] { run_doctor(*args); });
}
