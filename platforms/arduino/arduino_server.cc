#include "arduino_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

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
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"
#include "utvm/project_api/errors.h"
#include "utvm/transport/serial.h"

namespace utvm::platforms::arduino {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSketch = "project";           // PROJECT/project/project.ino
constexpr const char* kArduinoBuildDir = "arduino";  // PROJECT/build/arduino: the tools' output
// Static RAM of the runtime, link, port and the Arduino core besides the model's buffers and
// the link's receive buffer (measured on the Mega: see docs/performance.md), rounded up.
constexpr std::uint64_t kRuntimeRamBytes = 512;
// RAM left free for the stack (AVR: what is not data/bss is the stack; the model's operators
// keep their temporaries there).
constexpr std::uint64_t kStackReserveBytes = 512;
constexpr auto kReenumerateTimeout = std::chrono::milliseconds(10000);
// An Arduino resets when its port is opened (DTR); the bootloader listens this long first.
constexpr auto kBootloaderWait = std::chrono::milliseconds(2000);

// true / false / "true" / "false"; nullopt when unset (emulate: unset means "the board's default").
std::optional<bool> opt_bool_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_string() && it->get_ref<const std::string&>().empty()) return std::nullopt;
  return bool_option(options, name);
}

// arduino-cli as a command: option arduino_cli_cmd, else what generate_project recorded, else
// arduino-cli on PATH; empty when there is none.
std::vector<std::string> arduino_cli(const json& options, const json& recorded) {
  if (auto c = str_option(options, "arduino_cli_cmd")) return split_words(*c);
  if (auto it = recorded.find("arduino_cli_cmd");
      it != recorded.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
    return split_words(it->get<std::string>());
  if (auto p = find_on_path("arduino-cli")) return {p->string()};
  return {};
}

std::string install_cli_hint(const Board& board) {
  const std::string core = board.fqbn.substr(0, board.fqbn.find(':', board.fqbn.find(':') + 1));
  return fmt::format(
      "install arduino-cli (https://arduino.github.io/arduino-cli/; it is not in Debian), run "
      "`arduino-cli core install {}`, and put it on PATH or set option arduino_cli_cmd",
      core);
}

// Emulated unless told otherwise: option emulate, else the board's simavr data when no real
// port was named.
bool use_emulator(const Board& board, const json& options, const char* step) {
  if (auto e = opt_bool_option(options, "emulate")) {
    if (*e && !board.emulated()) {
      throw api::ServerError(
          fmt::format("{}: board {} is not emulated here (emulated boards: those with simavr "
                      "data in boards.json)",
                      step, board.name));
    }
    return *e;
  }
  return board.emulated() && !str_option(options, "port") && !str_option(options, "serial_number");
}

// The board's serial port: option port, else found by USB identity (and serial_number).
std::string board_port(const Board& board, const json& options, const char* step,
                       std::chrono::milliseconds wait) {
  if (auto p = str_option(options, "port")) {
    if (str_option(options, "serial_number")) {
      throw api::ServerError(
          fmt::format("{}: set either option port or option serial_number, not both", step));
    }
    return *p;
  }
  if (!board.usb) {
    throw api::ServerError(fmt::format(
        "{}: board {} has no USB identity in boards.json; set option port", step, board.name));
  }
  try {
    transport::UsbMatch match{board.usb->vid, board.usb->pid, str_option(options, "serial_number")};
    return transport::wait_for_serial_port(
               match, "board " + board.name,
               "--project-option serial_number=SN (or port=/dev/ttyXXX)", wait)
        .path;
  } catch (const Error& e) {
    throw api::ServerError(fmt::format("{}: {}", step, e.what()));
  }
}

// `avr-size -A -d` of the firmware, as a memory report against the board.
MemoryReport avr_memory_report(const std::string& size_output, const Board& board) {
  MemoryReport r;
  r.board = board.name;
  r.flash_size = board.flash.size;
  r.ram_size = board.ram.size;
  r.stack = kStackReserveBytes;
  std::istringstream in(size_output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string section;
    std::uint64_t size = 0;
    if (!(fields >> section >> size) || section.empty() || section[0] != '.') continue;
    if (section == ".text")
      r.text += size;
    else if (section == ".data")
      r.data += size;
    else if (section == ".bss" || section == ".noinit")
      r.bss += size;
  }
  return r;
}

// What avr-ld says when the firmware does not fit: {is_ram, bytes needed}. Two forms:
// "region `data' overflowed by N bytes" and "address 0x800fa0 of X section `.bss' is not within
// region `data'" (the address is where the section ends in the data space).
std::optional<std::pair<bool, std::uint64_t>> linker_memory_shortfall(const std::string& log,
                                                                      const Board& board) {
  if (auto o = parse_linker_overflow(log)) {
    const bool ram = o->region == "data";
    return std::make_pair(ram, (ram ? board.ram.size : board.flash.size) + o->bytes);
  }
  static const std::regex kNotWithin(
      R"(address 0x([0-9a-fA-F]+) of .* section [`'](\.[A-Za-z0-9_.]+)' is not within region [`']data')");
  std::smatch m;
  if (board.ram.origin == 0 || !std::regex_search(log, m, kNotWithin)) return std::nullopt;
  const std::uint64_t end = std::stoull(m[1].str(), nullptr, 16) & 0xffffu;
  if (end <= board.ram.origin) return std::nullopt;
  return std::make_pair(true, end - board.ram.origin + kStackReserveBytes);
}

// RAM of the MLPerf Tiny DUT besides its sample buffer: its state (the command line, counters:
// 101 B on the Mega) and its constants; its reply texts stay in flash (PROGMEM on AVR). Measured
// in docs/performance.md, rounded up.
constexpr std::uint64_t kMlperfDutRamBytes = 256;

// project_type=mlperf_tiny (docs/mlperf-tiny.md): the sketch runs the MLPerf Tiny DUT instead of
// utvm's link. Adds the portable DUT (device/mlperf) to the sketch's runtime, writes its settings
// and sample buffer (src/utvm_mlperf_config.c) and puts the DUT's sketch in place of the link's;
// the port's main_mlperf.c is compiled in by UTVM_MLPERF_TINY in utvm_config.h. Returns the RAM
// the DUT takes (sample buffer and state), which replaces the link buffer's.
std::uint64_t write_mlperf_sketch(const MlperfFirmware& fw, const fs::path& template_dir,
                                  const fs::path& device_sources, const fs::path& sketch) {
  const fs::path src = sketch / "src";
  // Only the C source: the folder also holds the DUT's host test, which Arduino must not build.
  fs::create_directories(src / "runtime" / "mlperf");
  fs::copy_file(device_sources / "mlperf" / "mlperf_dut.c",
                src / "runtime" / "mlperf" / "mlperf_dut.c", fs::copy_options::overwrite_existing);
  write_file(src / "utvm_mlperf_config.c", fw.config_c);
  fs::copy_file(template_dir / "project_mlperf.ino", sketch / (sketch.filename().string() + ".ino"),
                fs::copy_options::overwrite_existing);
  return fw.sample_bytes + kMlperfDutRamBytes;
}

}  // namespace

std::uint64_t avr_constant_bytes(const std::string& source) {
  static const std::regex kDecl(
      R"(\bconst\s+(unsigned\s+char|signed\s+char|char|unsigned\s+short|short|unsigned\s+int|int|unsigned\s+long|long|float|double|u?int(8|16|32|64)_t|bool)\s+(__attribute__\s*\(\(.*\)\)\s*)?[A-Za-z_]\w*\s*((\[\s*\d+\s*\])+)\s*=)");
  static const std::regex kDim(R"(\[\s*(\d+)\s*\])");
  std::uint64_t total = 0;
  std::istringstream in(source);
  for (std::string line; std::getline(in, line);) {
    // Declarations are one line each in TVM's output; skip the rest cheaply.
    if (line.find("const") == std::string::npos || line.find('[') == std::string::npos ||
        line.find('=') == std::string::npos)
      continue;
    std::smatch m;
    if (!std::regex_search(line, m, kDecl)) continue;
    const std::string type = m[1].str();
    std::uint64_t size = 1;
    if (type.find("64") != std::string::npos)
      size = 8;
    else if (type.find("32") != std::string::npos || type == "float" || type == "double" ||
             type.find("long") != std::string::npos)
      size = 4;
    else if (type.find("16") != std::string::npos || type.find("short") != std::string::npos ||
             type == "int" || type == "unsigned int" || type.find(" int") != std::string::npos)
      size = 2;
    const std::string dims = m[4].str();
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), kDim);
         it != std::sregex_iterator(); ++it)
      size *= std::stoull((*it)[1].str());
    total += size;
  }
  return total;
}

std::size_t rewrite_includes(const fs::path& root, const std::vector<fs::path>& search_dirs) {
  static const std::regex kInclude(R"(^(\s*#\s*include\s*)([<"])([^>"]+)[>"](.*)$)");
  std::size_t rewritten = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext == ".c" || ext == ".h" || ext == ".cpp" || ext == ".ino") files.push_back(e.path());
  }
  for (const fs::path& file : files) {
    std::istringstream in(read_file(file));
    std::string out;
    bool changed = false;
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_match(line, m, kInclude)) {
        const std::string name = m[3].str();
        const fs::path here = file.parent_path();
        std::optional<fs::path> target;
        if (m[2].str() == "\"" && fs::is_regular_file(here / name)) {
          // already relative to the file
        } else {
          for (const auto& d : search_dirs) {
            if (fs::is_regular_file(d / name)) {
              target = d / name;
              break;
            }
          }
        }
        if (target) {
          const std::string rel =
              target->lexically_normal().lexically_relative(here).generic_string();
          line = m[1].str() + "\"" + rel + "\"" + m[4].str();
          changed = true;
          ++rewritten;
        }
      }
      out += line;
      out += '\n';
    }
    if (changed) write_file(file, out);
  }
  return rewritten;
}

ArduinoHandler::ArduinoHandler(fs::path dir, fs::path device_sources, fs::path simulator)
    : DeviceHandler(dir),
      dir_(std::move(dir)),
      device_sources_(std::move(device_sources)),
      simulator_(std::move(simulator)) {}

ArduinoHandler::~ArduinoHandler() = default;

std::optional<pid_t> ArduinoHandler::simulator_pid() const {
  return device().process_id();
}

api::ServerInfo ArduinoHandler::server_info_query(const std::string& /*tvm_version*/) {
  api::ServerInfo info = server_info_for("arduino", dir_);
  auto board =
      board_option("Name of the Arduino board (see `utvm boards arduino`).", dir_, kBoards);
  info.project_options = {
      board,
      mlperf_project_type_option(),
      make_option("arduino_cli_cmd", "str", nullptr, {},
                  {"generate_project", "build", "flash", "open_transport"},
                  "Command that runs arduino-cli, split on spaces (default: arduino-cli on PATH; "
                  "without it AVR boards build with Debian's arduino-builder)."),
      make_option("port", "str", nullptr, {}, {"flash", "open_transport"},
                  "Serial port of the board (e.g. /dev/ttyACM0); default: found by the board's "
                  "USB identity."),
      make_option("serial_number", "str", nullptr, {}, {"flash", "open_transport"},
                  "USB serial number of the board to use when several are attached."),
      make_option("emulate", "bool", nullptr, {}, {"flash", "open_transport"},
                  "Run the firmware under simavr (default: yes for emulated boards unless port or "
                  "serial_number is set)."),
      make_option("baud", "int", nullptr, {}, {"generate_project"},
                  "Baud rate of the link's UART (default: the board's, 115200); "
                  "project_type=mlperf_tiny: of the DUT's (default: the runner's for the "
                  "benchmark, 115200; ad01 921600)."),
      make_option("workspace_size_bytes", "int", nullptr, {}, {"generate_project"},
                  "Size of the device's workspace arena in bytes; defaults to what the model's "
                  "metadata needs plus alignment slack."),
      make_option("warning_as_error", "bool", false, {}, {"generate_project", "build", "flash"},
                  "Treat compiler warnings in the sketch's C sources as errors."),
      make_option("verbose", "bool", false, {}, {"build", "flash"},
                  "Run the Arduino tools with verbose output."),
      cmsis_path_option(),
  };
  // The MLPerf Tiny options baremetal and zephyr take; `baud` is the one above.
  for (auto& option : mlperf_options(/*with_baud=*/false))
    info.project_options.push_back(std::move(option));
  return info;
}

void ArduinoHandler::generate_project(const fs::path& model_library_format_path,
                                      const fs::path& standalone_crt_dir,
                                      const fs::path& project_dir, const json& options) {
  const Board board = generate_board(options, dir_, kBoards);
  const fs::path runtime = install::device_runtime(standalone_crt_dir, device_sources_);
  const bool mlperf = is_mlperf_project(options);
  const std::string cli = str_option(options, "arduino_cli_cmd").value_or("");
  const auto workspace_option = uint_option(options, "workspace_size_bytes");
  const std::uint64_t baud = uint_option(options, "baud").value_or(board.baud);
  if (baud == 0 || baud > 4000000) {
    throw api::ServerError(fmt::format("option baud: {} is not a usable rate", baud));
  }
  const bool werror = bool_option(options, "warning_as_error");

  write_project(model_library_format_path, project_dir, "arduino", [&](const ProjectDraft& draft) {
    const fs::path& mlf_path = draft.mlf_path;
    const fs::path& tmp = draft.dir;
    const std::string model_name = draft.model_name();
    if (board.is_avr()) {
      refuse_cmsis_if_needed(draft.modules, mlf_path, board.name,
                             "CMSIS is Arm Cortex-M code that AVR boards cannot build; choose an "
                             "Arm board (`utvm boards arduino`) or compile the model without "
                             "--target=cmsis-nn");
    }
    const auto cmsis = resolve_cmsis(options, draft.modules, mlf_path, "arduino");
    std::optional<MlperfFirmware> mlperf_fw;  // checks the model against the benchmark first
    if (mlperf) mlperf_fw = mlperf_firmware(options, draft.modules);
    const std::uint64_t uart_baud = mlperf_fw ? mlperf_fw->baud : baud;

    // The sketch folder: Arduino wants the .ino named after it.
    const fs::path sketch = tmp / kSketch;
    const fs::path src = sketch / "src";
    fs::create_directories(src / "model" / "include");
    fs::copy_file(dir_ / "project.ino", sketch / (std::string(kSketch) + ".ino"));

    // The model's C, flattened (as TVM's Arduino template), and its headers (kept: the glue
    // includes the interface header).
    for (const auto& s : draft.sources()) {
      const fs::path from = tmp / "model" / s;
      fs::path to = src / "model" / from.filename();
      if (fs::exists(to)) {
        throw Error(ExitCode::kBadInput, fmt::format("{}: two sources named {}", mlf_path.string(),
                                                     from.filename().string()));
      }
      fs::copy_file(from, to);
    }
    const fs::path model_include = tmp / "model" / "codegen" / "host" / "include";
    if (fs::is_directory(model_include)) copy_tree(model_include, src / "model" / "include");

    write_file(
        src / codegen::kExecutorFileName,
        draft.executor_c(fmt::format("{}-arduino-{}", model_name, board.name), workspace_option));

    copy_tree(runtime / "include", src / "runtime" / "include");
    copy_tree(runtime / "src", src / "runtime" / "src");
    copy_tree(runtime / "ports" / "arduino", src / "port");
    std::uint64_t link_rx = board.ram.size >= 4096 ? 128 : 64;
    write_file(src / "port" / "utvm_config.h",
               fmt::format("/* Written by utvm create-project (arduino platform, board {}). */\n"
                           "#ifndef UTVM_CONFIG_H_\n#define UTVM_CONFIG_H_\n"
                           "#define UTVM_BAUD {}ul\n"
                           "#define UTVM_LINK_RX_BYTES {}u\n{}"
                           "#endif\n",
                           board.name, uart_baud, link_rx,
                           mlperf_fw ? "#define UTVM_MLPERF_TINY 1\n" : ""));
    if (mlperf_fw) link_rx = write_mlperf_sketch(*mlperf_fw, dir_, runtime, sketch);
    // CMSIS the model needs, copied into the sketch (Arduino builds only the sketch folder):
    // its headers and CMSIS-NN's sources, compiled by the core with the board's flags; the
    // linker's --gc-sections keeps only the kernels the model calls.
    std::vector<fs::path> include_dirs = {src / "runtime" / "include", src / "model" / "include",
                                          src / "port", src / "runtime" / "src"};
    if (cmsis) {
      const fs::path to = src / "cmsis";
      for (const auto& [from, name] : {std::pair{cmsis->nn_include, "NN/Include"},
                                       std::pair{cmsis->dsp_include, "DSP/Include"},
                                       std::pair{cmsis->core_include, "Core/Include"}}) {
        if (from.empty()) continue;
        copy_tree(from, to / name);
        include_dirs.push_back(to / name);
      }
      for (const fs::path& c : cmsis->nn_sources) {
        const fs::path dest = to / "NN" / "Source" / c.lexically_relative(cmsis->nn_source);
        fs::create_directories(dest.parent_path());
        fs::copy_file(c, dest);
      }
    }
    const std::size_t rewritten = rewrite_includes(sketch, include_dirs);

    for (const char* f : {"boards.json"})
      fs::copy_file(dir_ / f, tmp / f, fs::copy_options::overwrite_existing);

    // What the model takes, from its metadata. On AVR, constants live in RAM as well: the
    // generated code reads them with ordinary loads, and AVR flash is not in the data space.
    const std::uint64_t arena = draft.arena_bytes(workspace_option);
    // On AVR the constants count against RAM: take the larger of the metadata's figure and
    // what the model's C declares (the metadata says 0 for weights inlined in the code).
    std::uint64_t constants = draft.constants_bytes();
    if (board.is_avr()) {
      std::uint64_t declared = 0;
      for (const auto& e : fs::directory_iterator(src / "model"))
        if (e.path().extension() == ".c") declared += avr_constant_bytes(read_file(e.path()));
      constants = std::max(constants, declared);
    }
    std::uint64_t ram = arena + draft.io_bytes() + link_rx + kRuntimeRamBytes + kStackReserveBytes;
    if (board.is_avr()) ram += constants;
    ProjectRecord record;
    record.platform = "arduino";
    record.board = board.name;
    record.model = model_name;
    record.cmsis = cmsis_project_json(cmsis);
    record.project_type = mlperf_fw ? "mlperf_tiny" : "host_driven";
    if (mlperf_fw) record.mlperf = mlperf_fw->project_json;
    record.footprint = {ram,       constants,      arena,  draft.io_bytes(),
                        constants, board.is_avr(), link_rx};
    record.platform_fields = {{"fqbn", board.fqbn},         {"sketch", kSketch},
                              {"baud", uart_baud},          {"arduino_cli_cmd", cli},
                              {"warning_as_error", werror}, {"includes_rewritten", rewritten}};
    write_project_record(tmp, record);
  });
}

void ArduinoHandler::build(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "build", kBoards);
  const std::string& model_name = project.model;
  // Before compiling anything: does the metadata already say it cannot fit?
  const Footprint& fp = project.footprint;
  const std::uint64_t ram = fp.ram;
  const std::uint64_t flash = fp.flash;
  const std::string what = fmt::format("model '{}'", model_name);
  if (ram > board.ram.size) {
    throw api::ServerError(fmt::format(
        "build: {} (workspace {} B, tensors {} B, constants {} B{}, {} {} B, runtime "
        "and stack {} B)",
        does_not_fit(what, "RAM", ram, board.ram.size, board.name), fp.workspace, fp.io,
        fp.constants, board.is_avr() ? " (AVR keeps them in RAM)" : "",
        project.project_type == "mlperf_tiny" ? "MLPerf sample buffer and DUT" : "link buffer",
        fp.link_rx, kRuntimeRamBytes + kStackReserveBytes));
  }
  if (flash > board.flash.size) {
    throw api::ServerError(
        fmt::format("build: {}", does_not_fit(what, "flash", flash, board.flash.size, board.name)));
  }

  const bool verbose = bool_option(options, "verbose");
  const bool werror = opt_bool_option(options, "warning_as_error")
                          .value_or(project.platform_fields.value("warning_as_error", false));
  const fs::path sketch = dir_ / project.platform_fields.value("sketch", std::string(kSketch));
  const fs::path ino = sketch / (sketch.filename().string() + ".ino");
  const fs::path build_dir = dir_ / "build";
  // The Arduino tools' build path: arduino-builder empties it when the build options change,
  // so utvm's own files (logs, reports, the flashed image) stay one level up.
  const fs::path out_dir = build_dir / kArduinoBuildDir;
  claim_build_dir(dir_, build_dir);  // a copied or moved project builds its own sources
  fs::create_directories(out_dir);
  const fs::path log = build_dir / "build.log";
  std::error_code ec;
  fs::remove(log, ec);

  // The tools relink every time; a stale ELF must not pass for a build that made none.
  fs::remove(out_dir / (ino.filename().string() + ".elf"), ec);

  const auto cli = arduino_cli(options, project.platform_fields);
  std::string c_flags = werror ? "-Wall -Wextra -Werror" : "";
  if (!cli.empty()) {
    std::vector<std::string> argv = cli;
    argv.insert(argv.end(), {"compile", "--fqbn", board.fqbn, "--build-path", out_dir.string()});
    if (!c_flags.empty())
      argv.insert(argv.end(),
                  {"--warnings", "all", "--build-property", "compiler.c.extra_flags=" + c_flags});
    if (verbose) argv.push_back("--verbose");
    argv.push_back(sketch.string());
    int rc = run_logged(argv, dir_, log);
    if (rc != 0) step_failed("build: arduino-cli compile", rc, log);
  } else {
    if (!board.is_avr()) {
      throw api::ServerError(fmt::format(
          "build: board {} ({}) needs arduino-cli: Debian's arduino-builder only has the AVR "
          "core. To build it, {}",
          board.name, board.fqbn, install_cli_hint(board)));
    }
    const auto builder = find_on_path("arduino-builder");
    if (!builder || !fs::is_directory("/usr/share/arduino/hardware/arduino/avr")) {
      throw api::ServerError(
          "build: no arduino-cli and no arduino-builder with the AVR core: sudo apt-get install "
          "arduino-builder arduino-core-avr gcc-avr avr-libc (or install arduino-cli)");
    }
    // Debian's arduino-builder (1.3.25) with Debian's arduino-core-avr: the first -hardware has
    // the builder's ctags recipes; DECIMAL_DIG because the core expects avr-gcc 7 and Debian has
    // avr-gcc 5, whose <float.h> lacks it in C++.
    std::vector<std::string> argv = {
        builder->string(),
        "-compile",
        "-hardware",
        "/usr/share/arduino-builder",
        "-hardware",
        "/usr/share/arduino/hardware",
        "-tools",
        "/usr/bin",
        "-fqbn",
        board.fqbn,
        "-build-path",
        out_dir.string(),
        "-warnings",
        werror ? "all" : "none",
        "-prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__"};
    if (!c_flags.empty()) argv.push_back("-prefs=compiler.c.extra_flags=" + c_flags);
    if (verbose) argv.push_back("-verbose");
    argv.push_back(ino.string());
    int rc = run_logged(argv, dir_, log);
    if (rc != 0) {
      // The linker refused a firmware too big for the MCU: say by how much.
      if (auto need = linker_memory_shortfall(read_file(log), board)) {
        throw api::ServerError(
            fmt::format("build: {}",
                        does_not_fit(fmt::format("firmware for model '{}'", model_name),
                                     need->first ? "RAM" : "flash", need->second,
                                     need->first ? board.ram.size : board.flash.size, board.name)));
      }
      // The link may have produced an ELF that the size check refused: say by how much.
      const fs::path elf = out_dir / (ino.filename().string() + ".elf");
      const std::string out = read_file(log);
      if (fs::is_regular_file(elf) && (out.find("Sketch too big") != std::string::npos ||
                                       out.find("Not enough memory") != std::string::npos ||
                                       out.find("exceeds available space") != std::string::npos)) {
        const fs::path size_out = build_dir / "firmware.size";
        fs::remove(size_out, ec);
        if (run_logged({"avr-size", "-A", "-d", elf.string()}, dir_, size_out) == 0) {
          MemoryReport r = avr_memory_report(read_file(size_out), board);
          const bool over_ram = r.ram_used() > r.ram_size;
          throw api::ServerError(fmt::format(
              "build: {}",
              does_not_fit(fmt::format("firmware for model '{}'", model_name),
                           over_ram ? "RAM" : "flash", over_ram ? r.ram_used() : r.flash_used(),
                           over_ram ? r.ram_size : r.flash_size, board.name)));
        }
      }
      step_failed("build: arduino-builder", rc, log);
    }
  }
  const fs::path elf = out_dir / (ino.filename().string() + ".elf");
  if (!fs::is_regular_file(elf)) {
    throw api::ServerError(fmt::format("build: finished but {} is missing; log {}:\n{}",
                                       elf.string(), log.string(), tail(read_file(log))));
  }
  if (!board.is_avr() || !find_on_path("avr-size")) return;
  const fs::path size_out = build_dir / "firmware.size";
  fs::remove(size_out, ec);
  int rc = run_logged({"avr-size", "-A", "-d", elf.string()}, dir_, size_out);
  if (rc != 0) step_failed("build: avr-size", rc, size_out);
  MemoryReport report = avr_memory_report(read_file(size_out), board);
  write_memory_report(build_dir,
                      firmware_memory_usage(board.name, {report.ram_used(), report.ram_size},
                                            {report.flash_used(), report.flash_size}, report.stack,
                                            model_memory(project.footprint)));
  if (report.ram_used() > report.ram_size) {
    throw api::ServerError(
        fmt::format("build: {} (data {} B + bss {} B + {} B kept for the stack)",
                    does_not_fit(fmt::format("firmware for model '{}'", model_name), "RAM",
                                 report.ram_used(), report.ram_size, board.name),
                    report.data, report.bss, report.stack));
  }
}

void ArduinoHandler::flash(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "flash", kBoards);
  const fs::path build_dir = dir_ / "build";
  const std::string sketch_name = project.platform_fields.value("sketch", std::string(kSketch));
  const fs::path out_dir = build_dir / kArduinoBuildDir;
  const fs::path elf = out_dir / (sketch_name + ".ino.elf");
  if (!fs::is_regular_file(elf)) {
    throw api::ServerError(fmt::format("flash: no firmware at {}; run build first", elf.string()));
  }
  if (use_emulator(board, options, "flash")) {
    // An emulated board's "flash" is the image the simulator loads: check it is an AVR ELF and
    // keep a copy.
    std::string head = read_file(elf).substr(0, 20);
    if (head.size() < 20 ||
        head.compare(0, 4,
                     "\x7f"
                     "ELF") != 0 ||
        static_cast<unsigned char>(head[18]) != 83 /* EM_AVR */) {
      throw api::ServerError(fmt::format("flash: {} is not an AVR ELF image", elf.string()));
    }
    fs::copy_file(elf, build_dir / "flashed.elf", fs::copy_options::overwrite_existing);
    json record = {{"image", (build_dir / "flashed.elf").string()},
                   {"bytes", fs::file_size(elf)},
                   {"board", board.name},
                   {"emulator", "simavr"},
                   {"mcu", board.emulator->machine}};
    write_file(build_dir / "flash.json", record.dump(2) + "\n");
    return;
  }

  const auto cli = arduino_cli(options, project.platform_fields);
  if (cli.empty() && !board.is_avr()) {
    throw api::ServerError(fmt::format("flash: board {} is uploaded with arduino-cli; {}",
                                       board.name, install_cli_hint(board)));
  }
  const std::string port = board_port(board, options, "flash", std::chrono::milliseconds(0));
  const bool verbose = bool_option(options, "verbose");
  const fs::path log = build_dir / "flash.log";
  std::error_code ec;
  fs::remove(log, ec);
  std::vector<std::string> argv;
  std::string tool;
  if (!cli.empty()) {
    tool = "arduino-cli";
    argv = cli;
    argv.insert(argv.end(),
                {"upload", "--fqbn", board.fqbn, "--input-dir", out_dir.string(), "--port", port});
    if (verbose) argv.push_back("--verbose");
    argv.push_back((dir_ / sketch_name).string());
  } else {
    tool = "avrdude";
    if (!find_on_path("avrdude")) {
      throw api::ServerError(
          "flash: neither arduino-cli nor avrdude is on PATH: sudo apt-get install avrdude (or "
          "install arduino-cli)");
    }
    const fs::path hex = out_dir / (sketch_name + ".ino.hex");
    if (!fs::is_regular_file(hex)) {
      throw api::ServerError(fmt::format("flash: no {}; run build first", hex.string()));
    }
    argv = {"avrdude",
            "-p",
            board.avrdude_part,
            "-c",
            board.avrdude_programmer,
            "-P",
            port,
            "-b",
            "115200",
            "-D",
            "-U",
            "flash:w:" + hex.string() + ":i"};
    if (verbose) argv.push_back("-v");
  }
  int rc = run_logged(argv, dir_, log);
  if (rc != 0) step_failed("flash: " + tool, rc, log);
  json record = {{"board", board.name},
                 {"port", port},
                 {"tool", tool},
                 {"serial_number", str_option(options, "serial_number").value_or("")}};
  write_file(build_dir / "flash.json", record.dump(2) + "\n");
}

OpenedDevice ArduinoHandler::open_stream(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "open_transport", kBoards);
  if (use_emulator(board, options, "open_transport")) {
    const fs::path image = dir_ / "build" / "flashed.elf";
    if (!fs::is_regular_file(image)) {
      throw api::ServerError(fmt::format(
          "open_transport: nothing flashed ({} is missing); run flash first", image.string()));
    }
    if (::access(simulator_.c_str(), X_OK) != 0) {
      throw api::ServerError(fmt::format(
          "open_transport: the AVR emulator {} is missing (utvm is built with it when "
          "libsimavr-dev and libelf-dev are installed: sudo apt-get install libsimavr-dev "
          "libelf-dev, then rebuild)",
          simulator_.string()));
    }
    const fs::path sim_log = dir_ / "build" / "simavr.log";
    int log_fd = ::open(sim_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    SpawnOptions spec;
    spec.argv = {simulator_.string(),
                 "--mcu",
                 board.emulator->machine,
                 "--freq",
                 std::to_string(board.cpu_clock_hz),
                 image.string()};
    spec.cwd = dir_;
    spec.stderr_fd = log_fd;
    struct CloseLog {
      int fd;
      ~CloseLog() {
        if (fd >= 0) ::close(fd);
      }
    } close_log{log_fd};
    return program_on_pipes(std::move(spec), "utvm-avr-sim", DeviceTransport::Medium::kEmulator);
  }

  const std::string path = board_port(board, options, "open_transport", kReenumerateTimeout);
  const unsigned baud = project.platform_fields.value("baud", board.baud);
  std::unique_ptr<transport::SerialPort> serial;
  try {
    serial = std::make_unique<transport::SerialPort>(path, baud);
    // Opening the port resets the board; its bootloader owns the UART for a moment.
    std::this_thread::sleep_for(kBootloaderWait);
    serial->discard_input();
  } catch (const Error& e) {
    throw api::ServerError(fmt::format("open_transport: {}", e.what()));
  }
  return {std::move(serial), DeviceTransport::Medium::kSerial, std::nullopt};
}

}  // namespace utvm::platforms::arduino
