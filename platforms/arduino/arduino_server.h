// The `arduino` platform's Project API handler: an Arduino sketch per model, built with
// arduino-cli when it is there (option arduino_cli_cmd or PATH), else, for AVR boards, with
// Debian's arduino-builder and arduino-core-avr; flashed with `arduino-cli upload` or avrdude;
// reached over the board's USB serial port or, for boards simavr emulates (Mega 2560, Uno),
// through utvm-avr-sim (libsimavr) on two pipes.
//
// generate_project writes PROJECT/{model.tar, model/, boards.json, project.json, launch script,
// project/project.ino, project/src/{utvm_glue.c, model/, runtime/, port/}} with every #include
// under project/src rewritten to a quoted path relative to the including file (Arduino compiles
// a copy of the sketch folder and adds no include paths of its own). build checks the model fits
// the board (metadata), compiles into PROJECT/build, and writes build/memory_report.{json,txt};
// flash uploads (real boards) or checks and records the image (emulated boards); open_transport
// opens the serial port or starts the emulator, close_transport stops it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "board.h"
#include "common/device_handler.h"
#include "utvm/project_api/server.h"

namespace utvm::platforms::arduino {

// Rewrites `#include <x>` / `#include "x"` in every .c/.h/.cpp/.ino under `root` to a quoted
// path relative to the including file when x is found in one of `search_dirs` (or already
// relative to the file); other includes (<stdint.h>, <Arduino.h>) are left alone. Returns the
// number of lines rewritten.
std::size_t rewrite_includes(const std::filesystem::path& root,
                             const std::vector<std::filesystem::path>& search_dirs);

// Bytes of constant arrays the C in `source` defines (`const T name[N]... = {` / `[N][M]`), with
// AVR's type sizes (int and double are 2 and 4 bytes). TVM writes the model's weights this way;
// on AVR they end up in RAM, and the MLF metadata does not always count them.
std::uint64_t avr_constant_bytes(const std::string& source);

class ArduinoHandler : public DeviceHandler {
 public:
  // dir: the server's directory (template or project); device_sources: <datadir>/device;
  // simulator: the utvm-avr-sim program (emulated boards).
  ArduinoHandler(std::filesystem::path dir, std::filesystem::path device_sources,
                 std::filesystem::path simulator);
  ~ArduinoHandler() override;

  project_api::ServerInfo server_info_query(const std::string& tvm_version) override;
  void generate_project(const std::filesystem::path& model_library_format_path,
                        const std::filesystem::path& standalone_crt_dir,
                        const std::filesystem::path& project_dir,
                        const nlohmann::json& options) override;
  void build(const nlohmann::json& options) override;
  void flash(const nlohmann::json& options) override;

  // The running emulator's process (group leader), for tests; nullopt when none runs.
  std::optional<pid_t> simulator_pid() const;

 protected:
  // utvm-avr-sim on pipes (emulated boards) or the board's serial port.
  OpenedDevice open_stream(const nlohmann::json& options) override;

 private:
  std::filesystem::path dir_;
  std::filesystem::path device_sources_;
  std::filesystem::path simulator_;
};

}  // namespace utvm::platforms::arduino
