#include "zephyr_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/build_dir.h"
#include "common/cmsis.h"
#include "common/files.h"
#include "common/memory_report.h"
#include "common/mlperf.h"
#include "common/project_draft.h"
#include "common/quoting.h"
#include "common/server_options.h"
#include "common/tool_run.h"
#include "utvm/codegen/executor.h"
#include "utvm/codegen/glue.h"
#include "utvm/common/error.h"
#include "utvm/common/install_layout.h"
#include "utvm/common/subprocess.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"
#include "utvm/project_api/errors.h"
#include "utvm/transport/qemu.h"
#include "utvm/transport/serial.h"

namespace utvm::platforms::zephyr {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Static RAM of the runtime, link, port and Zephyr's kernel besides the model (rounded up).
constexpr std::uint64_t kRuntimeRamBytes = 8192;
constexpr std::uint64_t kDefaultMainStack = 4096;  // what prj.conf asks for when not told
constexpr auto kReenumerateTimeout = std::chrono::milliseconds(10000);

// The west command: option west_cmd, else what generate_project recorded, else `west` on PATH;
// empty when there is no west (build falls back to CMake + Ninja).
std::vector<std::string> west_command(const json& options, const json& recorded) {
  if (auto w = str_option(options, "west_cmd")) return split_words(*w);
  if (auto it = recorded.find("west_cmd");
      it != recorded.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
    return split_words(it->get<std::string>());
  if (auto p = find_on_path("west")) return {p->string()};
  return {};
}

std::string zephyr_base_for(const json& options, const json& recorded, const char* step) {
  if (auto z = str_option(options, "zephyr_base")) return *z;
  if (auto it = recorded.find("zephyr_base");
      it != recorded.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
    return it->get<std::string>();
  if (const char* env = std::getenv("ZEPHYR_BASE"); env && *env) return env;
  throw api::ServerError(fmt::format(
      "{}: no Zephyr tree: set option zephyr_base or the ZEPHYR_BASE environment variable (Zephyr "
      "is not in Debian; see docs/platform-zephyr.md)",
      step));
}

// The board name to give Zephyr: boards.json's hardware-model-v2 name for trees >= 3.6 (read from
// <zephyr_base>/VERSION), the legacy name for older trees or when VERSION cannot be read.
std::string zephyr_board_name(const Board& board, const std::string& zephyr_base) {
  std::ifstream in(fs::path(zephyr_base) / "VERSION");
  int major = -1, minor = -1;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    static const std::regex kLine(R"(\s*VERSION_(MAJOR|MINOR)\s*=\s*(\d+)\s*)");
    if (!std::regex_match(line, m, kLine)) continue;
    (m[1] == "MAJOR" ? major : minor) = std::stoi(m[2]);
  }
  const bool v2 = major > 3 || (major == 3 && minor >= 6);
  return v2 ? board.zephyr_board : board.name;
}

// Zephyr modules for plain-CMake builds: option zephyr_modules, else $ZEPHYR_MODULES (both a
// CMake list, ';'-separated, as Zephyr takes it), else every module of a west workspace laid out
// around the tree (<zephyr_base>/../modules/<group>/<module>/zephyr/module.yml). Empty when none.
std::vector<std::string> zephyr_modules_for(const json& options, const std::string& zephyr_base) {
  auto split = [](const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ';');) {
      if (!item.empty()) out.push_back(item);
    }
    return out;
  };
  std::vector<std::string> modules;
  const char* source = nullptr;
  if (auto opt = str_option(options, "zephyr_modules")) {
    modules = split(*opt);
    source = "option zephyr_modules";
  } else if (const char* env = std::getenv("ZEPHYR_MODULES"); env && *env) {
    modules = split(env);
    source = "$ZEPHYR_MODULES";
  }
  if (source) {
    for (auto& m : modules) {
      std::error_code ec;
      if (!fs::is_directory(m, ec))
        throw api::ServerError(fmt::format(
            "{}: module directory '{}' does not exist (a ';'-separated list of Zephyr module "
            "directories, e.g. <workspace>/modules/hal/cmsis)",
            source, m));
      m = fs::absolute(m).lexically_normal().string();
    }
    return modules;
  }
  const fs::path root = fs::path(zephyr_base).parent_path() / "modules";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return modules;
  for (const auto& group : fs::directory_iterator(root, ec)) {
    if (!group.is_directory()) continue;
    for (const auto& mod : fs::directory_iterator(group.path(), ec)) {
      if (fs::is_regular_file(mod.path() / "zephyr" / "module.yml", ec))
        modules.push_back(fs::absolute(mod.path()).lexically_normal().string());
    }
  }
  std::sort(modules.begin(), modules.end());
  return modules;
}

// Environment of build commands: ZEPHYR_BASE plus the board's SDK-less toolchain settings
// unless the user chose a toolchain (ZEPHYR_TOOLCHAIN_VARIANT) or has the Zephyr SDK.
std::vector<std::pair<std::string, std::string>> build_env(const std::string& zephyr_base,
                                                           const Board& board) {
  std::vector<std::pair<std::string, std::string>> env = {{"ZEPHYR_BASE", zephyr_base}};
  const char* variant = std::getenv("ZEPHYR_TOOLCHAIN_VARIANT");
  const char* sdk = std::getenv("ZEPHYR_SDK_INSTALL_DIR");
  if ((!variant || !*variant) && (!sdk || !*sdk)) {
    for (const auto& [k, v] : board.toolchain)
      env.emplace_back(k, v);
  }
  return env;
}

std::optional<std::string> runners_yaml_flash_runner(const fs::path& yaml) {
  std::ifstream in(yaml);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flash-runner:", 0) != 0) continue;
    std::string v = line.substr(13);
    v.erase(0, v.find_first_not_of(" \t'\""));
    while (!v.empty() &&
           (v.back() == ' ' || v.back() == '\'' || v.back() == '"' || v.back() == '\r'))
      v.pop_back();
    if (!v.empty()) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string render_prj_conf(const Board& board, const PrjConfOptions& options) {
  std::string out = "# Written by utvm create-project (zephyr platform).\n";
  auto add = [&](const std::string& line) { out += line + "\n"; };
  add("CONFIG_RING_BUFFER=y");
  add("CONFIG_UART_CONSOLE=n");
  add("CONFIG_UART_INTERRUPT_DRIVEN=y");
  if (options.verbose && !board.is_qemu()) add("CONFIG_LED=y");
  add("CONFIG_REBOOT=y");
  // picolibc, not newlib: Debian's newlib lacks the retargetable locking Zephyr requires, and
  // Zephyr's minimal libc has no expf/roundf/tanhf, which models call. x86 boards keep Zephyr's
  // default: picolibc with the Zephyr SDK; Debian's i686 compiler has none, so the minimal libc
  // (models calling libm functions do not link there; docs/platform-zephyr.md).
  if (board.arch != "x86") add("CONFIG_PICOLIBC=y");
  if (board.fpu) add("CONFIG_FPU=y");
  // x87 arithmetic keeps 80-bit intermediates; SSE computes in float like the host platform.
  if (board.arch == "x86") {
    add("CONFIG_X86_SSE=y");
    add("CONFIG_X86_SSE2=y");
    add("CONFIG_X86_SSE_FP_MATH=y");
  }
  add(fmt::format("CONFIG_MAIN_STACK_SIZE={}",
                  options.main_stack_size.value_or(kDefaultMainStack)));
  add("CONFIG_TEST_RANDOM_GENERATOR=y");
  static const char* kTimerRandom[] = {"qemu_x86", "qemu_riscv32", "qemu_cortex_r5",
                                       "qemu_riscv64"};
  static const char* kEntropy[] = {"mps2_an521", "nrf5340dk_nrf5340_cpuapp", "nucleo_f746zg",
                                   "nucleo_l4r5zi", "stm32f746g_disco"};
  for (const char* b : kTimerRandom)
    if (board.name == b) add("CONFIG_TIMER_RANDOM_GENERATOR=y");
  for (const char* b : kEntropy)
    if (board.name == b) add("CONFIG_ENTROPY_GENERATOR=y");
  if (board.name != "qemu_riscv64") add("CONFIG_SPEED_OPTIMIZATIONS=y");
  if (options.warning_as_error) add("CONFIG_COMPILER_WARNINGS_AS_ERRORS=y");
  return out;
}

std::optional<ZephyrMemoryUse> parse_zephyr_memory_usage(const std::string& out) {
  static const std::regex line(
      R"(^\s*([A-Za-z_][A-Za-z0-9_]*):\s+([0-9]+)\s*(B|KB|MB|GB)\s+([0-9]+)\s*(B|KB|MB|GB)\s+[0-9.]+%)");
  auto bytes = [](const std::string& n, const std::string& unit) {
    std::uint64_t v = std::stoull(n);
    if (unit == "KB") return v << 10;
    if (unit == "MB") return v << 20;
    if (unit == "GB") return v << 30;
    return v;
  };
  ZephyrMemoryUse use;
  bool ram = false;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_search(l, m, line)) continue;
    const std::string region = m[1].str();
    const std::uint64_t used = bytes(m[2].str(), m[3].str());
    const std::uint64_t size = bytes(m[4].str(), m[5].str());
    if (region == "RAM" || region == "SRAM") {
      use.ram_used = used;
      use.ram_size = size;
      ram = true;
    } else if (region == "FLASH" || region == "ROM") {
      use.flash_used = used;
      use.flash_size = size;
    }
  }
  if (!ram) return std::nullopt;
  return use;
}

std::vector<std::string> serial_number_args(const std::string& runner, const std::string& sn) {
  if (sn.empty()) return {};
  if (runner == "openocd") return {"--cmd-pre-init", "hla_serial " + sn};
  if (runner == "nrfjprog" || runner == "nrfutil") return {"--snr", sn};
  if (runner == "jlink" || runner == "pyocd" || runner == "linkserver") return {"--dev-id", sn};
  if (runner == "stm32cubeprogrammer") return {"--port", "swd", "--tool-opt", "sn=" + sn};
  return {};
}

ZephyrHandler::ZephyrHandler(fs::path dir, fs::path device_sources)
    : DeviceHandler(dir), dir_(std::move(dir)), device_sources_(std::move(device_sources)) {}

ZephyrHandler::~ZephyrHandler() = default;

api::ServerInfo ZephyrHandler::server_info_query(const std::string& /*tvm_version*/) {
  api::ServerInfo info = server_info_for("zephyr", dir_);
  auto board = board_option("Name of the Zephyr board to build for (see `utvm boards zephyr`).",
                            dir_, kBoards);
  auto project_type = mlperf_project_type_option();
  const char* env_base = std::getenv("ZEPHYR_BASE");
  const bool have_env_base = env_base && *env_base;
  auto zephyr_base =
      have_env_base ? make_option("zephyr_base", "str", env_base, {}, {"generate_project", "build"},
                                  "Path to the Zephyr tree (default: $ZEPHYR_BASE).")
                    : make_option("zephyr_base", "str", nullptr, {"generate_project"}, {"build"},
                                  "Path to the Zephyr tree ($ZEPHYR_BASE is not set).");
  info.project_options = {
      board,
      project_type,
      zephyr_base,
      make_option(
          "zephyr_modules", "str", nullptr, {}, {"generate_project"},
          "Zephyr module directories, ';'-separated (default: $ZEPHYR_MODULES, else the "
          "modules of the west workspace around zephyr_base, <zephyr_base>/../modules/*/*)."),
      make_option("west_cmd", "str", nullptr, {}, {"generate_project", "build", "flash"},
                  "Command that runs west, split on spaces (e.g. \"python3 -m west\"); default: "
                  "west on PATH, else build with CMake + Ninja."),
      make_option("serial_number", "str", nullptr, {}, {"flash", "open_transport"},
                  "USB serial number of the board to use when several are attached."),
      make_option("serial_port", "str", nullptr, {}, {"open_transport"},
                  "Serial port to use instead of finding it by USB identity (e.g. /dev/ttyACM0)."),
      make_option("baud", "int", nullptr, {}, {"generate_project", "open_transport"},
                  "Baud rate of the board's console UART (default: from boards.json); with "
                  "project_type=mlperf_tiny the firmware also sets its UART to it."),
      make_option("flash_runner", "str", nullptr, {}, {"flash"},
                  "west flash runner (default: the board's, from the build)."),
      make_option("config_main_stack_size", "int", nullptr, {}, {"generate_project"},
                  "Sets CONFIG_MAIN_STACK_SIZE in prj.conf."),
      make_option("workspace_size_bytes", "int", nullptr, {}, {"generate_project"},
                  "Size of the device's workspace arena in bytes; defaults to what the model's "
                  "metadata needs plus alignment slack."),
      make_option("compile_definitions", "str", nullptr, {}, {"generate_project"},
                  "Extra preprocessor definitions for the app (space separated NAME or "
                  "NAME=VALUE)."),
      make_option("verbose", "bool", false, {}, {"generate_project", "build"},
                  "Run the build with verbose output (and CONFIG_LED on real boards)."),
      make_option("warning_as_error", "bool", false, {}, {"generate_project"},
                  "Treat warnings as errors: the whole build, the model's generated C included, "
                  "fails on a compiler warning (CONFIG_COMPILER_WARNINGS_AS_ERRORS)."),
      cmsis_path_option(),
  };
  for (auto& option : mlperf_options(/*with_baud=*/false))
    info.project_options.push_back(std::move(option));
  return info;
}

void ZephyrHandler::generate_project(const fs::path& model_library_format_path,
                                     const fs::path& standalone_crt_dir,
                                     const fs::path& project_dir, const json& options) {
  const Board board = generate_board(options, dir_, kBoards);
  const fs::path runtime = install::device_runtime(standalone_crt_dir, device_sources_);
  const bool mlperf = is_mlperf_project(options);
  const std::string zephyr_base = zephyr_base_for(options, json::object(), "generate_project");
  const std::string zephyr_board = zephyr_board_name(board, zephyr_base);
  const std::vector<std::string> modules = zephyr_modules_for(options, zephyr_base);
  const std::string west = str_option(options, "west_cmd").value_or("");
  const auto stack_option = uint_option(options, "config_main_stack_size");
  const auto workspace_option = uint_option(options, "workspace_size_bytes");
  const bool verbose = bool_option(options, "verbose");
  const bool warning_as_error = bool_option(options, "warning_as_error");
  const auto definitions = split_words(str_option(options, "compile_definitions").value_or(""));
  for (const auto& d : definitions) {
    static const std::regex kDef("[A-Za-z_][A-Za-z0-9_]*(=.*)?");
    if (!std::regex_match(d, kDef)) {
      throw api::ServerError(
          fmt::format("option compile_definitions: '{}' is not NAME or NAME=VALUE", d));
    }
  }

  write_project(model_library_format_path, project_dir, "zephyr", [&](const ProjectDraft& draft) {
    const fs::path& tmp = draft.dir;
    const std::string model_name = draft.model_name();
    // Without cmsis_path / $CMSIS_PATH, the Zephyr tree's own CMSIS-NN module (west's layout).
    fs::path workspace = fs::path(zephyr_base).lexically_normal();
    if (!workspace.has_filename()) workspace = workspace.parent_path();  // ".../zephyr/"
    const auto cmsis = resolve_cmsis(options, draft.modules, draft.mlf_path, "zephyr",
                                     {workspace.parent_path() / "modules" / "lib" / "cmsis-nn"});
    const std::uint64_t arena = draft.arena_bytes(workspace_option);
    const std::uint64_t stack = stack_option.value_or(kDefaultMainStack);
    const std::uint64_t ram = arena + draft.io_bytes() + stack + kRuntimeRamBytes;
    if (board.ram.size > 0 && ram > board.ram.size) {
      throw Error(ExitCode::kOption,
                  fmt::format("model '{}' needs about {} bytes of RAM (workspace {}, tensors {}, "
                              "stack {}, runtime {}) but board {} has {} KiB",
                              model_name, ram, arena, draft.io_bytes(), stack, kRuntimeRamBytes,
                              board.name, board.ram.size / 1024));
    }

    std::optional<MlperfFirmware> mlperf_fw;
    if (mlperf) mlperf_fw = mlperf_firmware(options, draft.modules);
    const std::string build_id = fmt::format("{}-zephyr-{}", model_name, board.name);
    write_file(tmp / "src" / "utvm_glue.c", draft.executor_c(build_id, workspace_option));
    for (const char* f : {mlperf ? "main_mlperf.c" : "main.c", "port_zephyr.c"}) {
      fs::copy_file(dir_ / "src" / f, tmp / "src" / f, fs::copy_options::overwrite_existing);
    }
    copy_tree(runtime / "include", tmp / "runtime" / "include");
    copy_tree(runtime / "src", tmp / "runtime" / "src");
    if (mlperf_fw) {
      write_file(tmp / "src" / "utvm_mlperf_config.c", mlperf_fw->config_c);
      copy_tree(runtime / "mlperf", tmp / "runtime" / "mlperf");
    }
    for (const char* f : {"boards.json", "CMakeLists.txt"}) {
      fs::copy_file(dir_ / f, tmp / f, fs::copy_options::overwrite_existing);
    }

    std::ostringstream pc;
    pc << "# Written by utvm create-project (zephyr platform).\n"
       << "set(BOARD " << cmake_quote(zephyr_board) << ")\n"
       << "set(ZEPHYR_BASE " << cmake_quote(zephyr_base) << ")\n";
    if (!modules.empty()) {
      // In the cache: Zephyr reads the cache before $ZEPHYR_MODULES; -DZEPHYR_MODULES still wins.
      std::string list;
      for (const auto& m : modules)
        list += (list.empty() ? "" : ";") + m;
      pc << "set(ZEPHYR_MODULES " << cmake_quote(list)
         << " CACHE STRING \"Zephyr modules (utvm option zephyr_modules)\")\n";
    }
    pc << "set(UTVM_MODEL_SOURCES\n";
    pc << cmake_source_lines(draft.sources(), "@LIST_DIR@/model/");
    pc << ")\n"
       << "set(UTVM_MODEL_INCLUDE_DIRS \"@LIST_DIR@/model/codegen/host/include\")\n"
       << "set(UTVM_COMPILE_DEFINITIONS";
    for (const auto& d : definitions)
      pc << " " << cmake_quote(d);
    pc << ")\n"
       << "set(UTVM_COMPILE_OPTIONS";
    for (const auto& o : board.compile_options)
      pc << " " << cmake_quote(o);
    pc << ")\n";
    pc << "set(UTVM_WARNING_AS_ERROR " << (warning_as_error ? "ON" : "OFF") << ")\n";
    pc << cmsis_cmake_lines(cmsis);
    if (mlperf_fw) {
      pc << "set(UTVM_PROJECT_TYPE mlperf_tiny)\n"
         << "set(UTVM_MLPERF_SOURCES \"@LIST_DIR@/src/utvm_mlperf_config.c\")\n";
      if (mlperf_fw->baud_given) pc << "set(UTVM_UART_BAUD " << mlperf_fw->baud << ")\n";
    }
    std::string project_cmake = pc.str();
    for (size_t at; (at = project_cmake.find("@LIST_DIR@")) != std::string::npos;)
      project_cmake.replace(at, 10, "${CMAKE_CURRENT_LIST_DIR}");
    write_file(tmp / "project.cmake", project_cmake);

    write_file(tmp / "prj.conf", render_prj_conf(board, {verbose, stack_option, warning_as_error}));

    ProjectRecord record;
    record.platform = "zephyr";
    record.board = board.name;
    record.model = model_name;
    record.project_type = mlperf ? "mlperf_tiny" : "host_driven";
    record.cmsis = cmsis_project_json(cmsis);
    record.footprint.ram = ram + (mlperf_fw ? mlperf_fw->sample_bytes : 0);
    record.footprint.flash = draft.constants_bytes();
    record.footprint.workspace = arena;
    record.footprint.io = draft.io_bytes();
    record.footprint.constants = draft.constants_bytes();
    if (mlperf_fw) record.mlperf = mlperf_fw->project_json;
    record.platform_fields = {{"zephyr_board", zephyr_board},
                              {"zephyr_base", zephyr_base},
                              {"zephyr_modules", modules},
                              {"west_cmd", west},
                              {"warning_as_error", warning_as_error}};
    write_project_record(tmp, record);
  });
}

void ZephyrHandler::build(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "build", kBoards);
  const std::string zephyr_base = zephyr_base_for(options, project.platform_fields, "build");
  if (!fs::is_directory(zephyr_base)) {
    throw api::ServerError(
        fmt::format("build: the Zephyr tree {} does not exist (option zephyr_base / "
                    "ZEPHYR_BASE)",
                    zephyr_base));
  }
  const auto env = build_env(zephyr_base, board);
  const std::string zephyr_board = project.platform_fields.value("zephyr_board", board.name);
  const bool verbose = bool_option(options, "verbose");
  const fs::path build_dir = dir_ / "build";
  claim_build_dir(dir_, build_dir);  // a copied or moved project builds its own sources
  const fs::path log = build_dir / "build.log";
  std::error_code ec;
  fs::remove(log, ec);

  const auto west = west_command(options, project.platform_fields);
  if (!west.empty()) {
    std::vector<std::string> argv = west;
    if (verbose) argv.push_back("-v");
    argv.insert(argv.end(), {"build", "-d", build_dir.string(), "-b", zephyr_board, dir_.string()});
    int rc = run_logged(argv, dir_, log, env);
    if (rc != 0) step_failed("build: west build", rc, log);
  } else {
    if (!fs::exists(build_dir / "build.ninja")) {
      std::vector<std::string> argv = {"cmake",
                                       "-S",
                                       dir_.string(),
                                       "-B",
                                       build_dir.string(),
                                       "-G",
                                       "Ninja",
                                       "-DBOARD=" + zephyr_board};
      if (fs::exists("/usr/bin/python3")) argv.push_back("-DPython3_EXECUTABLE=/usr/bin/python3");
      int rc = run_logged(argv, dir_, log, env);
      if (rc != 0) step_failed("build: cmake configure (no west on PATH)", rc, log);
    }
    std::vector<std::string> argv = {"cmake", "--build", build_dir.string()};
    if (verbose) argv.push_back("--verbose");
    int rc = run_logged(argv, dir_, log, env);
    if (rc != 0) step_failed("build: compiling the Zephyr app", rc, log);
  }
  const fs::path elf = build_dir / "zephyr" / "zephyr.elf";
  if (!fs::is_regular_file(elf)) {
    throw api::ServerError(fmt::format("build: finished but {} is missing; log {}:\n{}",
                                       elf.string(), log.string(), tail(read_file(log))));
  }
  // Ninja relinks (and Zephyr prints its table) only when something changed: an unchanged
  // build keeps the report of the build that linked.
  if (auto use = parse_zephyr_memory_usage(read_file(log))) {
    write_memory_report(build_dir, firmware_memory_usage(board.name, {use->ram_used, use->ram_size},
                                                         {use->flash_used, use->flash_size}, 0,
                                                         model_memory(project.footprint)));
  }
}

void ZephyrHandler::flash(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "flash", kBoards);
  const fs::path build_dir = dir_ / "build";
  const fs::path elf = build_dir / "zephyr" / "zephyr.elf";
  if (!fs::is_regular_file(elf)) {
    throw api::ServerError(fmt::format("flash: no firmware at {}; run build first", elf.string()));
  }
  if (board.is_qemu()) return;  // QEMU loads the image in open_transport

  const auto west = west_command(options, project.platform_fields);
  if (west.empty()) {
    throw api::ServerError(fmt::format(
        "flash: board {} is flashed with `west flash`, but west is not on PATH (set option "
        "west_cmd, e.g. \"python3 -m west\")",
        board.name));
  }
  std::string runner = str_option(options, "flash_runner").value_or("");
  if (runner.empty())
    runner =
        cmake_cache_value(build_dir / "CMakeCache.txt", "ZEPHYR_BOARD_FLASH_RUNNER").value_or("");
  if (runner.empty())
    runner = runners_yaml_flash_runner(build_dir / "zephyr" / "runners.yaml").value_or("");
  if (runner.empty()) runner = board.flash_runner;
  const std::string sn = str_option(options, "serial_number").value_or("");

  const fs::path log = build_dir / "flash.log";
  std::error_code ec;
  fs::remove(log, ec);
  const std::string zephyr_base = zephyr_base_for(options, project.platform_fields, "flash");
  const auto env = build_env(zephyr_base, board);
  if (runner == "nrfjprog" && board.name.rfind("nrf5340dk", 0) == 0) {
    std::vector<std::string> argv = {"nrfjprog", "--recover"};
    if (!sn.empty()) argv.insert(argv.end(), {"--snr", sn});
    int rc = run_logged(argv, dir_, log, env);
    if (rc != 0) step_failed("flash: nrfjprog --recover", rc, log);
  }
  std::vector<std::string> argv = west;
  argv.insert(argv.end(), {"flash", "-d", build_dir.string()});
  if (!runner.empty()) argv.insert(argv.end(), {"-r", runner});
  for (auto& a : serial_number_args(runner, sn))
    argv.push_back(a);
  int rc = run_logged(argv, dir_, log, env);
  if (rc != 0) step_failed("flash: west flash", rc, log);
  json record = {{"board", board.name}, {"runner", runner}, {"serial_number", sn}};
  write_file(build_dir / "flash.json", record.dump(2) + "\n");
}

OpenedDevice ZephyrHandler::open_stream(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "open_transport", kBoards);
  if (board.is_qemu()) {
    const fs::path elf = dir_ / "build" / "zephyr" / "zephyr.elf";
    if (!fs::is_regular_file(elf)) {
      throw api::ServerError(
          fmt::format("open_transport: no firmware at {}; run build first", elf.string()));
    }
    transport::QemuOptions q;
    q.binary = board.emulator->binary;
    q.machine = board.emulator->machine;
    q.cpu = board.emulator->cpu;
    q.extra_args = board.emulator->args;
    q.kernel = elf;
    q.log_file = dir_ / "build" / "qemu.log";
    std::unique_ptr<transport::QemuProcess> qemu;
    try {
      qemu = std::make_unique<transport::QemuProcess>(q);
    } catch (const Error& e) {
      throw api::ServerError(fmt::format("open_transport: {}", e.what()));
    }
    return {std::move(qemu), DeviceTransport::Medium::kEmulator, std::nullopt};
  }

  unsigned baud = board.baud;
  if (auto b = uint_option(options, "baud")) {
    if (*b > 0xffffffffu || !transport::is_supported_baud(static_cast<unsigned>(*b)))
      throw api::ServerError(fmt::format("option baud: {} is not a supported rate", *b));
    baud = static_cast<unsigned>(*b);
  }
  std::string path = str_option(options, "serial_port").value_or("");
  std::unique_ptr<transport::SerialPort> serial;
  try {
    if (path.empty()) {
      transport::UsbMatch match{board.usb->vid, board.usb->pid,
                                str_option(options, "serial_number")};
      if (!match.serial_number) {
        // The board flash used, if it was told which one.
        json rec;
        try {
          rec = json::parse(read_file(dir_ / "build" / "flash.json"));
        } catch (...) {
        }
        if (rec.is_object() && !rec.value("serial_number", "").empty())
          match.serial_number = rec["serial_number"].get<std::string>();
      }
      auto port = transport::wait_for_serial_port(
          match, "board " + board.name,
          "--project-option serial_number=SN (or serial_port=/dev/ttyXXX)", kReenumerateTimeout);
      path = port.path;
    }
    serial = std::make_unique<transport::SerialPort>(path, baud);
    serial->discard_input();
  } catch (const Error& e) {
    throw api::ServerError(fmt::format("open_transport: {}", e.what()));
  }
  return {std::move(serial), DeviceTransport::Medium::kSerial, std::nullopt};
}

}  // namespace utvm::platforms::zephyr
