// The `host` platform's Project API handler (see host_server.cc).
#pragma once

#include <filesystem>
#include <optional>

#include "common/device_transport.h"
#include "utvm/project_api/server.h"

namespace utvm::platforms::host {

class HostHandler : public project_api::Handler {
 public:
  HostHandler();
  ~HostHandler() override;

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
  std::filesystem::path dir_;  // the server's own directory (template or project)
  DeviceTransport device_;     // the device program on pipes, once open_transport ran
};

}  // namespace utvm::platforms::host
