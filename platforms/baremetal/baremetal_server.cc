#include "baremetal_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "board.h"
#include "common/build_dir.h"
#include "common/cmsis.h"
#include "common/files.h"
#include "common/memory_report.h"
#include "common/mlperf.h"
#include "common/project_draft.h"
#include "common/project_record.h"
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

namespace utvm::platforms::baremetal {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kDefaultStackBytes = 16384;
// Static RAM of the runtime, link and port besides the stack (measured: about 0.5 KiB; see
// docs/performance.md), rounded up.
constexpr std::uint64_t kRuntimeRamBytes = 1024;

}  // namespace

BaremetalHandler::BaremetalHandler(fs::path dir, fs::path device_sources)
    : DeviceHandler(dir), dir_(std::move(dir)), device_sources_(std::move(device_sources)) {}

BaremetalHandler::~BaremetalHandler() = default;

api::ServerInfo BaremetalHandler::server_info_query(const std::string& /*tvm_version*/) {
  api::ServerInfo info = server_info_for("baremetal", dir_);
  auto board = board_option("Name of the board (see `utvm boards baremetal`).", dir_, kBoards);
  info.project_options = {
      board,
      make_option("workspace_size_bytes", "int", nullptr, {}, {"generate_project"},
                  "Size of the device's workspace arena in bytes; defaults to what the model's "
                  "metadata needs plus alignment slack."),
      make_option("stack_size_bytes", "int", static_cast<std::uint64_t>(kDefaultStackBytes), {},
                  {"generate_project"}, "Bytes reserved for the firmware's stack."),
      make_option("cflags", "str", nullptr, {}, {"generate_project"},
                  "Extra C compiler flags for the firmware (space separated)."),
      cmsis_path_option(),
      make_option("verbose", "bool", false, {}, {"build"}, "Run the build with verbose output."),
      make_option("qemu_channel", "str",
                  transport::qemu_channel_name(transport::default_qemu_channel()), {},
                  {"open_transport"},
                  "How QEMU's UART reaches utvm: stdio (pipes, fastest), tcp-client or "
                  "tcp-server."),
  };
  info.project_options.back().choices =
      std::vector<std::string>{"stdio", "tcp-client", "tcp-server"};
  info.project_options.push_back(mlperf_project_type_option());
  for (auto& option : mlperf_options())
    info.project_options.push_back(std::move(option));
  return info;
}

void BaremetalHandler::generate_project(const fs::path& model_library_format_path,
                                        const fs::path& standalone_crt_dir,
                                        const fs::path& project_dir, const json& options) {
  const Board board = generate_board(options, dir_, kBoards);
  const fs::path runtime = install::device_runtime(standalone_crt_dir, device_sources_);
  const auto workspace_option = uint_option(options, "workspace_size_bytes");
  const std::uint64_t stack = uint_option(options, "stack_size_bytes").value_or(kDefaultStackBytes);
  const std::string cflags = str_option(options, "cflags").value_or("");
  const bool mlperf = is_mlperf_project(options);

  write_project(
      model_library_format_path, project_dir, "baremetal", [&](const ProjectDraft& draft) {
        const fs::path& tmp = draft.dir;
        const std::string model_name = draft.model_name();
        const auto cmsis = resolve_cmsis(options, draft.modules, draft.mlf_path, "baremetal");

        std::optional<MlperfFirmware> mlperf_fw;
        if (mlperf) mlperf_fw = mlperf_firmware(options, draft.modules);

        const std::string build_id = fmt::format("{}-{}", model_name, board.name);
        write_file(tmp / "src" / "utvm_glue.c", draft.executor_c(build_id, workspace_option));
        if (mlperf_fw) write_file(tmp / "src" / "utvm_mlperf_config.c", mlperf_fw->config_c);

        copy_tree(runtime / "include", tmp / "runtime" / "include");
        copy_tree(runtime / "src", tmp / "runtime" / "src");
        if (mlperf_fw) copy_tree(runtime / "mlperf", tmp / "runtime" / "mlperf");
        copy_tree(runtime / "ports" / "cortexm", tmp / "port");
        for (const char* f : {"boards.json", "CMakeLists.txt", "arm-none-eabi.cmake"}) {
          fs::copy_file(dir_ / f, tmp / f, fs::copy_options::overwrite_existing);
        }

        write_file(tmp / "board.cmake", board_cmake(board));
        std::ostringstream pc;
        pc << "# Written by utvm create-project (baremetal platform).\n"
           << "set(UTVM_STACK_SIZE " << stack << ")\n"
           << "set(UTVM_EXTRA_CFLAGS" << cmake_list(split_words(cflags)) << ")\n"
           << "set(UTVM_GLUE_SOURCES \"${CMAKE_CURRENT_LIST_DIR}/src/utvm_glue.c\")\n"
           << "set(UTVM_MODEL_SOURCES\n";
        pc << cmake_source_lines(draft.sources(), "${CMAKE_CURRENT_LIST_DIR}/model/");
        pc << ")\n"
           << "set(UTVM_MODEL_INCLUDE_DIRS "
              "\"${CMAKE_CURRENT_LIST_DIR}/model/codegen/host/include\")\n";
        pc << cmsis_cmake_lines(cmsis);
        if (mlperf_fw) {
          pc << "set(UTVM_PROJECT_TYPE mlperf_tiny)\n"
             << "set(UTVM_UART_BAUD " << mlperf_fw->baud << ")\n"
             << "set(UTVM_MLPERF_SOURCES \"${CMAKE_CURRENT_LIST_DIR}/src/utvm_mlperf_config.c\")\n";
        }
        // cmake_quote escapes '$'; the list-dir references must stay live.
        std::string project_cmake = pc.str();
        for (size_t at;
             (at = project_cmake.find("\\${CMAKE_CURRENT_LIST_DIR}")) != std::string::npos;)
          project_cmake.erase(at, 1);
        write_file(tmp / "project.cmake", project_cmake);

        const std::uint64_t arena = draft.arena_bytes(workspace_option);
        ProjectRecord record;
        record.platform = "baremetal";
        record.board = board.name;
        record.model = model_name;
        record.cmsis = cmsis_project_json(cmsis);
        record.project_type = mlperf_fw ? "mlperf_tiny" : "host_driven";
        record.footprint.ram = arena + draft.io_bytes() + stack + kRuntimeRamBytes +
                               (mlperf_fw ? mlperf_fw->sample_bytes : 0);
        record.footprint.flash = draft.constants_bytes();
        record.footprint.workspace = arena;
        record.footprint.io = draft.io_bytes();
        record.footprint.constants = draft.constants_bytes();
        if (mlperf_fw) record.mlperf = mlperf_fw->project_json;
        write_project_record(tmp, record);
      });
}

void BaremetalHandler::build(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const Board board = project_board(dir_, project, "build", kBoards);
  const std::string& model_name = project.model;
  // Before compiling anything: does the metadata already say it cannot fit?
  try {
    check_model_fits({project.footprint.ram, project.footprint.flash}, board, model_name);
  } catch (const Error& e) {
    throw api::ServerError(fmt::format("build: {}", e.what()));
  }

  const fs::path build_dir = dir_ / "build";
  claim_build_dir(dir_, build_dir);  // a copied or moved project builds its own sources
  const fs::path log = build_dir / "build.log";
  std::error_code ec;
  fs::remove(log, ec);
  auto fail = [&](const std::string& step, int status) {
    std::string out = read_file(log);
    if (auto overflow = parse_linker_overflow(out)) {
      bool ram = overflow->region == "RAM";
      const MemoryRegion& region = ram ? board.ram : board.flash;
      throw api::ServerError(fmt::format(
          "build: {}",
          does_not_fit(fmt::format("firmware for model '{}'", model_name), ram ? "RAM" : "flash",
                       region.size + overflow->bytes, region.size, board.name)));
    }
    throw api::ServerError(fmt::format("build: {} failed ({}); log {}:\n{}", step,
                                       describe_exit_status(status), log.string(), tail(out)));
  };
  if (!fs::exists(build_dir / "build.ninja")) {
    int rc = run_logged({"cmake", "-S", dir_.string(), "-B", build_dir.string(), "-G", "Ninja"},
                        dir_, log);
    if (rc != 0) fail("cmake configure", rc);
  }
  std::vector<std::string> argv = {"cmake", "--build", build_dir.string()};
  if (bool_option(options, "verbose")) argv.push_back("--verbose");
  int rc = run_logged(argv, dir_, log);
  if (rc != 0) fail("compiling the firmware", rc);

  const fs::path elf = build_dir / "firmware.elf";
  const fs::path size_out = build_dir / "firmware.size";
  fs::remove(size_out, ec);
  rc = run_logged({"arm-none-eabi-size", "-A", "-d", elf.string()}, dir_, size_out);
  if (rc != 0) fail("arm-none-eabi-size", rc);
  MemoryReport report = parse_size_output(read_file(size_out), board);
  write_memory_report(build_dir,
                      firmware_memory_usage(board.name, {report.ram_used(), report.ram_size},
                                            {report.flash_used(), report.flash_size}, report.stack,
                                            model_memory(project.footprint)));
}

void BaremetalHandler::flash(const json& /*options*/) {
  const ProjectRecord project = read_project_record(dir_);
  const fs::path elf = dir_ / "build" / "firmware.elf";
  if (!fs::is_regular_file(elf)) {
    throw api::ServerError(fmt::format("flash: no firmware at {}; run build first", elf.string()));
  }
  const Board board = project_board(dir_, project, "flash", kBoards);
  if (!board.emulator) {
    throw api::ServerError(
        fmt::format("flash: board {} is not emulated; program {} with the board's own tools",
                    board.name, elf.string()));
  }
  // An emulated board's "flash" is the image QEMU will load: check it is an ARM ELF, keep a copy.
  std::string head = read_file(elf).substr(0, 20);
  if (head.size() < 20 ||
      head.compare(0, 4,
                   "\x7f"
                   "ELF") != 0 ||
      static_cast<unsigned char>(head[18]) != 40 /* EM_ARM */) {
    throw api::ServerError(fmt::format("flash: {} is not an ARM ELF image", elf.string()));
  }
  fs::copy_file(elf, dir_ / "build" / "flashed.elf", fs::copy_options::overwrite_existing);
  json record = {{"image", (dir_ / "build" / "flashed.elf").string()},
                 {"bytes", fs::file_size(elf)},
                 {"board", board.name},
                 {"qemu_machine", board.emulator->machine}};
  write_file(dir_ / "build" / "flash.json", record.dump(2) + "\n");
}

OpenedDevice BaremetalHandler::open_stream(const json& options) {
  const ProjectRecord project = read_project_record(dir_);
  const fs::path image = dir_ / "build" / "flashed.elf";
  if (!fs::is_regular_file(image)) {
    throw api::ServerError(fmt::format(
        "open_transport: nothing flashed ({} is missing); run flash first", image.string()));
  }
  const Board board = project_board(dir_, project, "open_transport", kBoards);
  if (!board.emulator) {
    throw api::ServerError(fmt::format("open_transport: board {} is not emulated", board.name));
  }
  transport::QemuOptions q;
  q.machine = board.emulator->machine;
  q.cpu = board.emulator->cpu;
  q.kernel = image;
  q.log_file = dir_ / "build" / "qemu.log";
  if (auto channel = str_option(options, "qemu_channel")) {
    auto parsed = transport::parse_qemu_channel(*channel);
    if (!parsed) {
      throw api::ServerError(fmt::format(
          "option qemu_channel: '{}' is not one of stdio, tcp-client, tcp-server", *channel));
    }
    q.channel = *parsed;
  }
  std::unique_ptr<transport::QemuProcess> qemu;
  try {
    qemu = std::make_unique<transport::QemuProcess>(q);
  } catch (const Error& e) {
    throw api::ServerError(fmt::format("open_transport: {}", e.what()));
  }
  return {std::move(qemu), DeviceTransport::Medium::kEmulator, std::nullopt};
}

}  // namespace utvm::platforms::baremetal
