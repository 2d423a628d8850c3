// The `baremetal` platform's Project API handler: Cortex-M firmware for the boards in
// boards.json, built with arm-none-eabi-gcc, run under qemu-system-arm for emulated boards.
//
// generate_project lays out PROJECT/{model.tar, model/, src/utvm_glue.c, runtime/, port/,
// boards.json, board.cmake, CMakeLists.txt, arm-none-eabi.cmake, project.cmake, project.json,
// launch script};
// build checks the model fits (metadata) then runs CMake + Ninja, and writes and prints
// build/memory_report.{json,txt}; flash checks and records the image (build/flashed.elf);
// open_transport starts QEMU with the UART on stdio pipes (option qemu_channel), close stops it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "common/device_transport.h"
#include "utvm/project_api/server.h"

namespace utvm::platforms::baremetal {

class BaremetalHandler : public project_api::Handler {
 public:
  // dir: the server's own directory (template or project, usually the current directory);
  // device_sources: <datadir>/device (include/, src/, ports/cortexm/).
  BaremetalHandler(std::filesystem::path dir, std::filesystem::path device_sources);
  ~BaremetalHandler() override;

  project_api::ServerInfo server_info_query(const std::string& tvm_version) override;
  void generate_project(const std::filesystem::path& model_library_format_path,
                        const std::filesystem::path& standalone_crt_dir,
                        const std::filesystem::path& project_dir,
                        const nlohmann::json& options) override;
  void build(const nlohmann::json& options) override;
  void flash(const nlohmann::json& options) override;
  project_api::TransportTimeouts open_transport(const nlohmann::json& options) override;
  void close_transport() override;
  std::vector<std::uint8_t> read_transport(std::size_t n,
                                           std::optional<double> timeout_sec) override;
  void write_transport(std::span<const std::uint8_t> data,
                       std::optional<double> timeout_sec) override;

 private:
  std::filesystem::path dir_;
  std::filesystem::path device_sources_;
  DeviceTransport device_;  // QEMU running the flashed image, once open_transport ran
};

}  // namespace utvm::platforms::baremetal
