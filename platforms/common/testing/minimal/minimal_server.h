// The minimal platform of docs/architecture.md ("How to add a platform"), built from the doc's
// steps and nothing else: a folder, its boards.json and an open_stream function. Its device is a
// loopback (the board's echo program on pipes), so a test can drive the whole Project API flow.
#pragma once

#include <filesystem>

#include "common/device_handler.h"

namespace utvm::platforms::minimal {

class MinimalHandler : public DeviceHandler {
 public:
  // dir: the server's own directory (template or generated project).
  explicit MinimalHandler(std::filesystem::path dir);

  project_api::ServerInfo server_info_query(const std::string& tvm_version) override;
  void generate_project(const std::filesystem::path& model_library_format_path,
                        const std::filesystem::path& standalone_crt_dir,
                        const std::filesystem::path& project_dir,
                        const nlohmann::json& options) override;
  void build(const nlohmann::json& options) override;
  void flash(const nlohmann::json& options) override;

 protected:
  OpenedDevice open_stream(const nlohmann::json& options) override;

 private:
  std::filesystem::path dir_;
};

}  // namespace utvm::platforms::minimal
