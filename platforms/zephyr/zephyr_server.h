// The `zephyr` platform's Project API handler: a Zephyr application per model, built with west
// (or plain CMake + Ninja when west is absent), flashed with `west flash`, reached over the
// board's USB serial port (found by VID/PID/serial number) or, for emulated boards, QEMU.
//
// generate_project writes PROJECT/{model.tar, model/, src/{main.c, port_zephyr.c, utvm_glue.c},
// runtime/{include,src}/, CMakeLists.txt, project.cmake, prj.conf, boards.json, project.json,
// launch script}. build runs `<west> build -d build -b BOARD .` or `cmake -S . -B build -G Ninja
// -DBOARD=BOARD` + `cmake --build build` (incremental: build/ is kept); flash runs `<west> flash
// -d build [-r RUNNER] [serial-number args]` for real boards and nothing for emulated ones;
// open_transport opens the serial port (option serial_port, else found by USB identity, waiting
// for re-enumeration) or starts QEMU on build/zephyr/zephyr.elf.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "board.h"
#include "common/device_handler.h"
#include "utvm/project_api/server.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::platforms::zephyr {

struct PrjConfOptions {
  bool verbose = false;  // CONFIG_LED on real boards (as TVM's template)
  std::optional<std::uint64_t> main_stack_size;
  bool warning_as_error = false;  // CONFIG_COMPILER_WARNINGS_AS_ERRORS (option warning_as_error)
};

// prj.conf following TVM's Zephyr template rules (spec mlf.md §5.3), for utvm's link app.
std::string render_prj_conf(const Board& board, const PrjConfOptions& options);

// The firmware's RAM and flash use from the table Zephyr's link prints (ld --print-memory-usage):
//   Memory region         Used Size  Region Size  %age Used
//              FLASH:       17576 B       256 KB      6.70%
//                RAM:        4488 B        64 KB      6.85%
// FLASH/ROM count as flash, RAM/SRAM as RAM (KB = 1024 bytes); nullopt when there is no RAM line.
struct ZephyrMemoryUse {
  std::uint64_t ram_used = 0, ram_size = 0, flash_used = 0, flash_size = 0;
};
std::optional<ZephyrMemoryUse> parse_zephyr_memory_usage(const std::string& build_output);

// The serial-number arguments `west flash` takes for `runner` (empty when it has none).
std::vector<std::string> serial_number_args(const std::string& runner, const std::string& sn);

class ZephyrHandler : public DeviceHandler {
 public:
  // dir: the server's directory (template or project); device_sources: <datadir>/device.
  ZephyrHandler(std::filesystem::path dir, std::filesystem::path device_sources);
  ~ZephyrHandler() override;

  project_api::ServerInfo server_info_query(const std::string& tvm_version) override;
  void generate_project(const std::filesystem::path& model_library_format_path,
                        const std::filesystem::path& standalone_crt_dir,
                        const std::filesystem::path& project_dir,
                        const nlohmann::json& options) override;
  void build(const nlohmann::json& options) override;
  void flash(const nlohmann::json& options) override;

 protected:
  // QEMU (emulated boards) or the board's serial port.
  OpenedDevice open_stream(const nlohmann::json& options) override;

 private:
  std::filesystem::path dir_;
  std::filesystem::path device_sources_;
};

}  // namespace utvm::platforms::zephyr
