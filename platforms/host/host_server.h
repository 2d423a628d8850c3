// The `host` platform's Project API handler (see host_server.cc).
#pragma once

#include <filesystem>
#include <optional>

#include "common/device_handler.h"
#include "utvm/project_api/server.h"

namespace utvm::platforms::host {

class HostHandler : public DeviceHandler {
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

 protected:
  // The device program on pipes.
  OpenedDevice open_stream(const nlohmann::json& options) override;

 private:
  std::filesystem::path dir_;  // the server's own directory (template or project)
};

}  // namespace utvm::platforms::host
