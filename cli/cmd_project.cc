// create-project, build, flash, list-options, and their tvmc-compatible forms under `micro`.
// Every path is made absolute before it reaches a server; options persist in utvm-project.json.
#include <fcntl.h>
#include <unistd.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "commands.h"
#include "deploy_state.h"
#include "log_pump.h"
#include "project_lock.h"
#include "project_publish.h"
#include "project_steps.h"
#include "tvm_crt.h"
#include "utvm/cli/board_fit.h"
#include "utvm/cli/model_check.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/cli/project.h"
#include "utvm/cli/server_error_text.h"
#include "utvm/cli/sha256.h"
#include "utvm/cli/term.h"
#include "utvm/common/error.h"
#include "utvm/common/install_layout.h"
#include "utvm/common/version.h"
#include "utvm/mlf/model.h"
#include "utvm/project_api/client.h"
#include "utvm/project_api/memory_usage.h"
#include "utvm/project_api/options.h"

namespace {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using utvm::Error;
using utvm::ExitCode;
using utvm::cli::LaunchedServer;
using utvm::cli::ProjectFile;

struct Args {
  std::string project_dir, mlf, platform, template_dir, method;
  std::string standalone_crt_dir;  // create-project, for templates that are not utvm's own
  std::vector<std::string> options;
  bool force = false;
  bool list_options = false;
  bool string_values = false;
  bool micro = false;                 // the tvmc-compatible form
  std::optional<double> timeout_sec;  // --timeout: the server's deadline for this step
  bool no_wait = false;               // --no-wait: fail instead of waiting for the project lock
  bool json = false;                  // build --json: the result (and memory report) as JSON
  bool report_to_stderr = false;      // run --build: stdout is the run's, not the build's
};

// Deadlines for the server's long calls (issue 14): --timeout seconds (0: none), else defaults
// that fit a real build on a slow machine. Past the deadline the client stops the server's whole
// process group.
constexpr double kDefaultGenerateSec = 10 * 60;
constexpr double kDefaultBuildSec = 30 * 60;
constexpr double kDefaultFlashSec = 10 * 60;

api::ClientConfig step_deadlines(std::string_view method, std::optional<double> timeout_sec) {
  double sec = method == api::method::kBuild   ? kDefaultBuildSec
               : method == api::method::kFlash ? kDefaultFlashSec
                                               : kDefaultGenerateSec;
  if (timeout_sec) sec = *timeout_sec;
  api::ClientConfig config;
  if (sec > 0) {
    const auto ms = std::chrono::milliseconds(static_cast<long long>(sec * 1000));
    config.build_timeout = ms;  // generate_project and build
    config.flash_timeout = ms;
  }
  return config;
}

void add_timeout_option(CLI::App* cmd, Args& a, double default_sec) {
  cmd->add_option("--timeout", a.timeout_sec,
                  fmt::format("Seconds the platform may take for this step before utvm stops it "
                              "(default {:.0f}; 0: no limit)",
                              default_sec))
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber);
}

// `--project-option a=b PROJECT_DIR`: CLI11 (like argparse) lets the option swallow the words
// after it. Give trailing words without '=' back to the positionals that are still missing.
void reclaim_positionals(Args& a, const std::vector<std::string*>& positionals) {
  std::size_t missing = 0;
  for (auto* p : positionals)
    missing += p->empty() ? 1 : 0;
  std::vector<std::string> taken;
  while (missing > 0 && !a.options.empty() && a.options.back().find('=') == std::string::npos) {
    taken.insert(taken.begin(), a.options.back());
    a.options.pop_back();
    --missing;
  }
  std::size_t next = 0;
  for (auto* p : positionals) {
    if (p->empty() && next < taken.size()) *p = taken[next++];
  }
}

void require(const std::string& value, const char* name) {
  if (value.empty()) {
    throw Error(ExitCode::kUsage, fmt::format("the following arguments are required: {}", name));
  }
}

std::string seconds_since(std::chrono::steady_clock::time_point t0) {
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  return fmt::format("{:.2f} s", static_cast<double>(ms) / 1000.0);
}

// The template directory named by PLATFORM / --template-dir.
fs::path resolve_template_dir(const std::string& platform, const std::string& template_dir) {
  if (platform == "template" || (platform.empty() && !template_dir.empty())) {
    if (template_dir.empty()) {
      throw Error(ExitCode::kUsage,
                  "the following arguments are required: --template-dir (platform 'template')");
    }
    fs::path dir = utvm::cli::absolute_path(template_dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw Error(ExitCode::kServerNotFound,
                  fmt::format("Template directory {} does not exist!", dir.string()));
    }
    return dir;
  }
  if (!template_dir.empty()) {
    throw Error(ExitCode::kUsage, fmt::format("--template-dir is only valid with the platform "
                                              "'template', not '{}'",
                                              platform));
  }
  require(platform, "PLATFORM");
  return utvm::cli::find_platform(platform).template_dir;
}

void print_options_help(std::string_view method, const std::vector<api::ProjectOption>& opts) {
  std::string text = api::format_options_help(method, opts);
  if (text.empty()) text = fmt::format("(no project options for {})\n", method);
  std::fputs(text.c_str(), stdout);
}

// tvmc's positional platform after PROJECT_DIR: accepted, and checked against the project's own.
void check_platform(const Args& a, const fs::path& dir, const std::optional<ProjectFile>& pf,
                    const api::ServerInfo& info) {
  if (!a.micro) return;
  if (a.platform == "template") {
    if (a.template_dir.empty()) {
      throw Error(ExitCode::kUsage,
                  "the following arguments are required: --template-dir (platform 'template')");
    }
    if (pf && utvm::cli::absolute_path(a.template_dir) != pf->template_dir) {
      throw Error(ExitCode::kUsage,
                  fmt::format("project {} was created from the template {}, not {}", dir.string(),
                              pf->template_dir.string(),
                              utvm::cli::absolute_path(a.template_dir).string()));
    }
    return;
  }
  const std::string own = pf ? pf->platform : info.platform_name;
  if (a.platform != own && a.platform != info.platform_name) {
    throw Error(ExitCode::kUsage, fmt::format("project {} was created for the platform '{}', "
                                              "not '{}'",
                                              dir.string(), own, a.platform));
  }
}

api::ServerInfo query_project(LaunchedServer& server, const fs::path& dir) {
  api::ServerInfo info = server->server_info_query();
  if (info.is_template) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{} is a template, not a generated project (create one with "
                            "`utvm create-project PROJECT_DIR MLF {}`)",
                            dir.string(), info.platform_name));
  }
  return info;
}

// ---- create-project ----------------------------------------------------------------------------

// The archive is read here first, so an unusable one is exit 10 naming the user's file, not a
// server's error about its temporary copy. The built-in platforms compile every module's C into
// one firmware, so each module must bring C sources.
utvm::mlf::Model check_mlf(const fs::path& mlf, bool built_in_platform) {
  utvm::mlf::Model model = utvm::mlf::load_model(mlf);
  if (!built_in_platform) return model;
  if (model.modules.empty()) {
    throw Error(ExitCode::kBadInput, fmt::format("{} holds no modules", mlf.string()));
  }
  for (const auto& module : model.modules) {
    if (module.files.sources.empty()) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("{}: module '{}' has no C sources (only object files built for "
                              "another target?); utvm's platforms compile C",
                              mlf.string(), module.name));
    }
  }
  return model;
}

// create-project on a built-in platform with a board the model cannot fit (from the metadata
// alone, as `utvm boards --fits`): a warning, not an error -- the platform's build decides.
void warn_if_board_too_small(const utvm::mlf::Model& model, const fs::path& mlf,
                             const std::string& platform, const api::UserOptions& given) {
  std::string board;
  for (const auto& [name, value] : given)
    if (name == "board") board = value;
  if (board.empty()) return;
  try {
    for (const auto& b : utvm::cli::read_boards(utvm::cli::find_platform(platform))) {
      if (b.name != board) continue;
      const auto f = utvm::cli::fit(utvm::cli::model_needs(model), utvm::cli::board_memory(b));
      if (f.fits()) return;
      std::fputs(
          fmt::format("warning: {} needs at least {} B of RAM and {} B of flash; board {} "
                      "has {} B and {} B ({}): its build will fail (boards that fit: "
                      "`utvm boards {} --fits {}`)\n",
                      mlf.string(), f.ram_needed, f.flash_needed, board, f.ram.value_or(0),
                      f.flash.value_or(0), utvm::cli::shortfall_text(f), platform, mlf.string())
              .c_str(),
          stderr);
      return;
    }
  } catch (const Error&) {
    // No or broken board data: the platform's own checks report it.
  }
}

void do_create(Args a) {
  if (a.list_options) {
    // `create-project --list-options PLATFORM` or with all positionals given.
    std::string platform = a.platform;
    if (platform.empty() && a.mlf.empty() && !a.project_dir.empty()) platform = a.project_dir;
    fs::path tdir = resolve_template_dir(platform, a.template_dir);
    LaunchedServer server(tdir);
    print_options_help(api::method::kGenerateProject, server->server_info_query().project_options);
    return;
  }
  reclaim_positionals(a, {&a.project_dir, &a.mlf, &a.platform});
  require(a.project_dir, "PROJECT_DIR");
  require(a.mlf, "MLF");
  if (a.platform.empty() && a.template_dir.empty()) require(a.platform, "PLATFORM");

  const fs::path project_dir = utvm::cli::absolute_path(a.project_dir);
  const fs::path mlf = utvm::cli::absolute_path(a.mlf);
  const fs::path tdir = resolve_template_dir(a.platform, a.template_dir);
  std::error_code ec;
  if (fs::exists(project_dir, ec) && !a.force) {
    throw Error(ExitCode::kUsage,
                "The specified project dir already exists. To force overwriting it use '-f' or "
                "'--force'.");
  }
  if (!fs::is_regular_file(mlf, ec)) {
    throw Error(ExitCode::kBadInput, fmt::format("MLF file {} does not exist!", mlf.string()));
  }
  if (fs::exists(fs::symlink_status(project_dir, ec)))
    utvm::cli::check_replaceable(project_dir, mlf);
  const bool built_in = a.platform != "template" && !a.platform.empty();
  const utvm::mlf::Model model = check_mlf(mlf, built_in);
  const api::UserOptions given = api::parse_option_tokens(a.options);
  if (built_in) warn_if_board_too_small(model, mlf, a.platform, given);
  const api::ValueMode mode = a.string_values ? api::ValueMode::kStrings : api::ValueMode::kTyped;
  // utvm's platforms get utvm's device runtime; any other template gets TVM's standalone CRT.
  std::optional<utvm::cli::TvmCrt> tvm_crt;
  if (!utvm::cli::is_builtin_template(tdir)) {
    tvm_crt.emplace(utvm::cli::TvmCrt::resolve(mlf, a.standalone_crt_dir));
  } else if (!a.standalone_crt_dir.empty()) {
    throw Error(ExitCode::kUsage,
                fmt::format("--standalone-crt-dir is for templates that are not utvm's own; {} "
                            "is a built-in platform and uses utvm's runtime",
                            tdir.string()));
  }
  const fs::path crt_dir = tvm_crt ? tvm_crt->dir() : utvm::install::device_sources_dir();

  const auto t0 = std::chrono::steady_clock::now();
  utvm::cli::StatusLine status;
  status.update(fmt::format("creating {} from {}", project_dir.string(), tdir.string()));
  ProjectFile pf;
  utvm::cli::StagedProject staged(project_dir);
  const api::ClientConfig config = step_deadlines(api::method::kGenerateProject, a.timeout_sec);
  {
    LaunchedServer tmpl(tdir, -1, config);
    api::ServerInfo info = tmpl->server_info_query();
    if (!info.is_template) {
      throw Error(ExitCode::kServerError,
                  fmt::format("the server in {} is not a template (it reports is_template false)",
                              tdir.string()));
    }
    nlohmann::json options =
        api::resolve_options(api::method::kGenerateProject, info.project_options, given, mode);
    pf.utvm_version = utvm::version();
    pf.platform = a.platform.empty() ? "template" : a.platform;
    pf.platform_name = info.platform_name;
    pf.template_dir = tdir;
    pf.mlf_path = mlf;
    pf.mlf_sha256 = utvm::cli::sha256_file(mlf);
    pf.value_mode = mode;
    auto persist = [&](const std::string& name) {
      for (const auto& o : pf.options) {
        if (o.name == name) return;
      }
      bool from_user = false;
      for (const auto& kv : given)
        from_user = from_user || kv.first == name;
      pf.options.push_back({name, options[name], from_user ? "command line" : "default"});
    };
    for (const auto& kv : given)
      persist(kv.first);  // the user's, in their order
    for (const auto& o : info.project_options) {
      if (options.contains(o.name)) persist(o.name);  // then the rest, advertised order
    }
    for (const auto& item : options.items())
      persist(item.key());
    // Generated beside the project under a hidden name and completed there; the user's folder
    // is only touched by the final rename (a swap under -f).
    tmpl->generate_project(mlf, crt_dir, staged.dir(), options);
  }
  if (!fs::is_directory(staged.dir(), ec)) {
    throw Error(ExitCode::kServerError,
                fmt::format("generate_project on the server in {} returned but did not create {}",
                            tdir.string(), staged.dir().string()));
  }
  {
    LaunchedServer project(staged.dir(), -1, config);
    api::ServerInfo info = project->server_info_query();
    if (info.is_template) {
      throw Error(ExitCode::kServerError,
                  fmt::format("the generated project {} still reports is_template true",
                              project_dir.string()));
    }
    if (!info.platform_name.empty()) pf.platform_name = info.platform_name;
  }
  utvm::cli::save_project_file(staged.dir(), pf);
  staged.publish();
  status.done(fmt::format("created {} (platform {}{}) in {}", project_dir.string(), pf.platform,
                          tvm_crt ? ", TVM's CRT from " + tvm_crt->source() : std::string(),
                          seconds_since(t0)));
}

// ---- build / flash -----------------------------------------------------------------------------

// The server's stdout/stderr during a step: the terminal with --verbose, else a log file that
// ends up in PROJECT_DIR/build/<name> (or PROJECT_DIR/<name> when there is no build dir).
class StepLog {
 public:
  StepLog(const fs::path& project_dir, std::string name, bool verbose)
      : dir_(project_dir), name_(std::move(name)) {
    if (verbose) return;
    tmp_ = dir_ / ("." + name_);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw Error(ExitCode::kBadInput, fmt::format("cannot write the log {}", tmp_.string()));
    }
    pump_ = std::make_unique<utvm::cli::LogPump>(fd_);
  }
  ~StepLog() { finish(); }
  // The server's stderr (-1 with --verbose: the terminal).
  int fd() const { return pump_ ? pump_->write_fd() : -1; }
  // Once the server runs with fd() as its stderr: the log ends when the server's side does.
  void server_started() {
    if (pump_) pump_->close_write_end();
  }
  // Removes the log: the directory turned out not to be a project (a template, another tool's
  // folder), and nothing may be written into it.
  void discard() {
    if (fd_ < 0) return;
    pump_->finish();
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
  // Closes the log and moves it to its final place; returns that path ("" with --verbose).
  fs::path finish() {
    if (fd_ < 0) return final_;
    pump_->finish();
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    final_ = fs::is_directory(dir_ / "build", ec) ? dir_ / "build" / name_ : dir_ / name_;
    fs::rename(tmp_, final_, ec);
    if (ec) final_ = tmp_;
    return final_;
  }

 private:
  fs::path dir_, tmp_, final_;
  std::string name_;
  int fd_ = -1;
  std::unique_ptr<utvm::cli::LogPump> pump_;  // copies the server's stderr, capped, into fd_
};

// After a build: the memory report the platform left in build/memory_report.json (the built-in
// embedded platforms write one; host and foreign templates do not), PlatformIO-style on stdout,
// or with --json the build's result as data (docs/json.md, "build").
void print_build_result(const fs::path& dir, const fs::path& log_path,
                        std::chrono::steady_clock::time_point t0, bool json, std::FILE* out) {
  const auto usage = api::read_memory_usage(dir / "build" / "memory_report.json");
  if (json) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json result = {
        {"schema_version", 1},
        {"project", dir.string()},
        {"seconds", std::round(seconds * 1000.0) / 1000.0},
        {"log", log_path.empty() ? nlohmann::json() : nlohmann::json(log_path.string())},
        {"memory", usage ? api::to_json(*usage) : nlohmann::json()}};
    std::fputs((result.dump(2) + "\n").c_str(), out);
    return;
  }
  if (usage) std::fputs(api::format_memory_usage(*usage).c_str(), out);
}

// Runs `step` (build or flash) of the project's server with merged, validated options.
void do_step(Args a, std::string_view method) {
  reclaim_positionals(a, a.micro ? std::vector<std::string*>{&a.project_dir, &a.platform}
                                 : std::vector<std::string*>{&a.project_dir});
  require(a.project_dir, "PROJECT_DIR");
  if (a.micro) require(a.platform, "platform");
  const fs::path dir = utvm::cli::resolve_project_dir(a.project_dir);
  const auto pf = utvm::cli::load_project_file(dir);
  const bool is_build = method == api::method::kBuild;
  if (pf && !a.list_options) utvm::cli::warn_if_model_changed(dir, *pf);
  if (a.list_options) {
    LaunchedServer server(dir);
    print_options_help(method, server->server_info_query().project_options);
    return;
  }
  const api::UserOptions given = api::parse_option_tokens(a.options);
  const utvm::cli::ProjectLock lock(dir, is_build ? "building" : "flashing", !a.no_wait);
  const fs::path build_dir = dir / "build";
  std::error_code ec;
  if (is_build && a.micro && fs::exists(build_dir, ec) && !a.force) {
    throw Error(ExitCode::kUsage,
                fmt::format("There is already a build in {}. To force rebuild it use '-f' or "
                            "'--force'.",
                            dir.string()));
  }
  if (!is_build && !fs::is_directory(build_dir, ec)) {
    throw Error(ExitCode::kBadInput, fmt::format("Could not find a build in {}", dir.string()));
  }

  const bool verbose = utvm::cli::cli_context().verbose;
  const auto t0 = std::chrono::steady_clock::now();
  // With --verbose the build tools write to the terminal: no line redrawn in place under them.
  utvm::cli::StatusLine status(verbose ? utvm::cli::StatusLine::Mode::kPlain
                                       : utvm::cli::StatusLine::Mode::kAuto);
  StepLog log(dir, is_build ? "utvm-build.log" : "utvm-flash.log", verbose);
  LaunchedServer server(dir, log.fd(), step_deadlines(method, a.timeout_sec));
  log.server_started();
  api::ServerInfo info;
  try {
    info = query_project(server, dir);
  } catch (...) {
    log.discard();
    throw;
  }
  check_platform(a, dir, pf, info);
  const api::ValueMode mode = pf ? pf->value_mode : api::ValueMode::kTyped;
  nlohmann::json options = utvm::cli::merge_method_options(method, info.project_options,
                                                           pf ? &*pf : nullptr, given, mode);
  if (is_build && a.force && fs::exists(build_dir, ec)) {  // only after validation
    status.update(fmt::format("removing the old build in {}", dir.string()));
    fs::remove_all(build_dir, ec);
    if (ec) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("cannot remove {}: {}", build_dir.string(), ec.message()));
    }
  }
  status.update(fmt::format("{} {} ...", is_build ? "building" : "flashing", dir.string()));
  if (is_build) utvm::cli::clear_deployed(dir);  // the device no longer has what build/ holds
  try {
    if (is_build) {
      server->build(options);
    } else {
      server->flash(options);
    }
  } catch (const Error& e) {
    status.clear();
    fs::path log_path = log.finish();
    const auto* server_error = dynamic_cast<const api::ServerError*>(&e);
    std::string msg =
        server_error ? utvm::cli::server_error_text(*server_error, verbose) : e.what();
    if (!log_path.empty()) {
      std::string tail = utvm::cli::tail_lines(log_path, 20);
      msg += fmt::format("\nlog: {}", log_path.string());
      // The built-in platforms quote their tool's output in the error already (it is in this
      // log too): the same lines are not shown twice.
      std::string last = tail;
      while (!last.empty() && (last.back() == '\n' || last.back() == '\r'))
        last.pop_back();
      last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
      const bool quoted = !last.empty() && msg.find(last) != std::string::npos;
      if (!tail.empty() && !quoted) msg += "\nlast lines of the log:\n" + tail;
    }
    throw Error(e.code(), msg);
  }
  fs::path log_path = log.finish();
  status.done(fmt::format("{} {} in {}{}", is_build ? "built" : "flashed", dir.string(),
                          seconds_since(t0),
                          log_path.empty() ? "" : " (log: " + log_path.string() + ")"));
  if (is_build) {
    print_build_result(dir, log_path, t0, a.json, a.report_to_stderr ? stderr : stdout);
  } else {
    utvm::cli::mark_deployed(dir);
  }
}

// ---- list-options -----------------------------------------------------------------------------

void do_list_options(const Args& a) {
  fs::path dir;
  if (!a.template_dir.empty() || a.platform == "template") {
    dir = resolve_template_dir("template", a.template_dir);
  } else {
    require(a.platform, "PLATFORM|--template-dir");
    std::error_code ec;
    // A generated project directory works too (its own options).
    if (fs::is_directory(a.platform, ec) &&
        (fs::exists(fs::path(a.platform) / "launch_microtvm_api_server.sh", ec) ||
         fs::exists(fs::path(a.platform) / "microtvm_api_server.py", ec))) {
      dir = utvm::cli::absolute_path(a.platform);
    } else {
      dir = utvm::cli::find_platform(a.platform).template_dir;
    }
  }
  LaunchedServer server(dir);
  const api::ServerInfo info = server->server_info_query();
  if (a.json) {
    api::Json options = api::Json::array();
    for (const auto& o : info.project_options) {
      if (a.method.empty() || o.is_required_for(a.method) || o.is_optional_for(a.method))
        options.push_back(o);
    }
    api::Json out = {{"schema_version", 1},
                     {"server", dir.string()},
                     {"platform_name", info.platform_name},
                     {"method", a.method.empty() ? api::Json() : api::Json(a.method)},
                     {"project_options", std::move(options)}};
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
    return;
  }
  if (!a.method.empty()) {
    print_options_help(a.method, info.project_options);
    return;
  }
  bool first = true;
  for (std::string_view m : api::kOptionMethods) {
    std::string text = api::format_options_help(m, info.project_options);
    if (text.empty()) continue;
    std::fputs(fmt::format("{}:\n", m).c_str(), stdout);
    std::fputs(text.c_str(), stdout);
    first = false;
  }
  if (first) std::fputs("(no project options)\n", stdout);
}

// ---- registration ------------------------------------------------------------------------------

void add_project_option(CLI::App* cmd, Args& a) {
  cmd->add_option("--project-option", a.options,
                  "Project options as OPTION=VALUE (see --list-options); several may follow one "
                  "flag")
      ->type_name("OPTION=VALUE");
  cmd->add_flag("--list-options", a.list_options,
                "Show the platform's options for this step (tvmc's format) and exit");
}

CLI::App* add_create(CLI::App* parent, const std::shared_ptr<Args>& a, bool micro) {
  auto* cmd = parent->add_subcommand(
      "create-project", micro ? "create a project template of a given type or given a template dir."
                              : "Generate a project from an MLF archive and a platform template");
  cmd->alias("create");
  a->micro = micro;
  cmd->add_option("PROJECT_DIR", a->project_dir,
                  "Directory to create (must not exist unless -f is given)");
  cmd->add_option("MLF", a->mlf, "Model Library Format (MLF) .tar archive");
  cmd->add_option("PLATFORM", a->platform,
                  "A built-in platform (see `utvm platforms`) or 'template' with --template-dir");
  cmd->add_option("--template-dir", a->template_dir,
                  "Project API template directory (any language; with PLATFORM 'template')");
  cmd->add_flag("-f,--force", a->force,
                "Replace PROJECT_DIR if it exists (options are validated first)");
  cmd->add_option("--standalone-crt-dir", a->standalone_crt_dir,
                  "TVM's standalone CRT for a template that is not utvm's own (default: the "
                  "MLF's bundled ./runtime, else $TVM_CRT_DIR)");
  add_timeout_option(cmd, *a, kDefaultGenerateSec);
  cmd->add_flag("--string-values", a->string_values,
                "Send every option value as a JSON string, as tvmc does (for old servers); "
                "remembered for later steps");
  add_project_option(cmd, *a);
  std::string p = micro ? "utvm micro " : "utvm ";
  cmd->footer("Examples:\n  " + p + "create-project ./proj model.tar host\n  " + p +
              "create-project ./proj model.tar template --template-dir ./my_template \\\n"
              "      --project-option board=qemu_x86 project_type=host_driven\n  " +
              p + "create-project --list-options host\n" +
              "The resolved options are saved in PROJECT_DIR/utvm-project.json; later steps reuse "
              "them.");
  cmd->callback([a] { do_create(*a); });
  return cmd;
}

CLI::App* add_step(CLI::App* parent, const std::shared_ptr<Args>& a, bool micro,
                   std::string_view method) {
  const bool is_build = method == api::method::kBuild;
  std::string help = is_build ? (micro ? "build a project dir, generally creating an image to be "
                                         "flashed, e.g. zephyr.elf."
                                       : "Build a generated project (incremental; -f rebuilds)")
                              : (micro ? "flash the built image on a given micro target."
                                       : "Flash the built image of a project onto its target");
  auto* cmd = parent->add_subcommand(std::string(method), help);
  a->micro = micro;
  cmd->add_option("PROJECT_DIR", a->project_dir, "A project made by create-project");
  if (micro) {
    cmd->add_option("PLATFORM", a->platform,
                    "tvmc's platform (checked against the project's own); 'template' needs "
                    "--template-dir");
    cmd->add_option("--template-dir", a->template_dir, "Project API template directory.");
  }
  if (is_build) {
    cmd->add_flag("-f,--force", a->force,
                  "Delete the existing build first (after the options are validated)");
    if (!micro) {
      cmd->add_flag("--json", a->json,
                    "Print the result and the memory report as JSON (schema_version 1)");
    }
  }
  add_timeout_option(cmd, *a, is_build ? kDefaultBuildSec : kDefaultFlashSec);
  cmd->add_flag("--no-wait", a->no_wait,
                "Fail (exit 11) instead of waiting when another utvm is using the project");
  add_project_option(cmd, *a);
  std::string p = micro ? "utvm micro " : "utvm ";
  std::string plat = micro ? " host" : "";
  std::string m(method);
  cmd->footer(
      "Examples:\n  " + p + m + " ./proj" + plat + "\n  " + p + m + " ./proj" + plat +
      (is_build ? " -f --project-option verbose=true" : " --project-option serial_number=1234") +
      "\n  " + p + m + " ./proj" + plat + " --list-options\n" +
      "Options saved by create-project are reused; the ones given here override them." +
      (is_build ? "\nWithout --verbose the build output goes to PROJECT_DIR/build/"
                  "utvm-build.log\n(its last 20 lines are shown if the build fails). Then the "
                  "firmware's RAM and flash use\nagainst the board's is printed, where the "
                  "platform reports it."
                : ""));
  cmd->callback([a, m] { do_step(*a, m); });
  return cmd;
}

}  // namespace

void register_project_commands(CLI::App& app) {
  add_create(&app, std::make_shared<Args>(), false);
  add_step(&app, std::make_shared<Args>(), false, api::method::kBuild);
  add_step(&app, std::make_shared<Args>(), false, api::method::kFlash);

  auto a = std::make_shared<Args>();
  auto* lo = app.add_subcommand("list-options", "Show a platform's project options (tvmc format)");
  lo->add_option("PLATFORM", a->platform,
                 "A built-in platform, 'template' (with --template-dir) or a project directory");
  lo->add_option("--template-dir", a->template_dir, "Project API template directory");
  lo->add_option("--method", a->method, "Only the options of this method")
      ->check(CLI::IsMember({"generate_project", "build", "flash", "open_transport"}));
  lo->add_flag("--json", a->json,
               "Print the options as JSON (schema_version 1; each option in the Project API's "
               "ProjectOption shape)");
  lo->footer(
      "Examples:\n"
      "  utvm list-options host\n"
      "  utvm list-options host --method build\n"
      "  utvm list-options --template-dir ./my_template --method generate_project\n"
      "  utvm list-options ./proj --method open_transport\n"
      "  utvm list-options zephyr --json");
  lo->callback([a] { do_list_options(*a); });
}

void register_micro_command(CLI::App& app) {
  auto* micro = app.add_subcommand("micro", "tvmc compatibility: micro create-project|build|flash");
  micro->require_subcommand(1);
  micro->footer(
      "Examples:\n"
      "  utvm micro create-project ./proj model.tar host\n"
      "  utvm micro build ./proj host\n"
      "  utvm micro flash ./proj template --template-dir ./my_template\n"
      "Arguments as in `tvmc micro`; unlike tvmc, options given to create-project are\n"
      "remembered in PROJECT_DIR/utvm-project.json.");
  add_create(micro, std::make_shared<Args>(), true);
  add_step(micro, std::make_shared<Args>(), true, api::method::kBuild);
  add_step(micro, std::make_shared<Args>(), true, api::method::kFlash);
}

void utvm::cli::create_project(const fs::path& dir, const fs::path& mlf,
                               const std::string& platform,
                               const std::vector<std::string>& options) {
  Args a;
  a.options = options;
  a.project_dir = dir.string();
  a.mlf = mlf.string();
  a.platform = platform;
  a.force = true;
  do_create(a);
}

void utvm::cli::build_project(const fs::path& dir, bool report_to_stderr) {
  Args a;
  a.project_dir = dir.string();
  a.report_to_stderr = report_to_stderr;
  do_step(a, api::method::kBuild);
}

void utvm::cli::flash_project(const fs::path& dir) {
  Args a;
  a.project_dir = dir.string();
  do_step(a, api::method::kFlash);
}
