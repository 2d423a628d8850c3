// The "example" platform: a complete Project API server for a loopback "device", used by tests,
// docs and `make demo`-style walkthroughs to exercise every method without hardware.
//  - server_info_query: template when <dir>/model.tar is absent, else a generated project whose
//    model_library_format_path is the absolute path of that model.tar.
//  - generate_project: creates the project dir, writes a launch script that execs this server
//    binary (absolute path), copies the MLF to model.tar and records the call in project.json.
//  - build: creates build/ and appends "build <options>" to build/calls.log; flash (needs build/)
//    appends "flash <options>".
//  - open_transport: returns fixed timeouts; write_transport appends to an in-memory loopback
//    buffer that read_transport hands back (1..n bytes, at most read_chunk_size per call).
//    Reading an empty buffer raises IoTimeoutError at once (nothing can arrive while the single
//    server thread waits); any transport call while closed raises TransportClosedError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "utvm/project_api/server.h"

namespace utvm::platforms::example {

inline constexpr const char* kPlatformName = "example";

class ExampleHandler : public project_api::Handler {
 public:
  // `server_dir` is the directory the server was started in (template or project); relative
  // project dirs in generate_project resolve against it, as in TVM.
  explicit ExampleHandler(std::filesystem::path server_dir);

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

  // The platform's advertised options (the host/CRT list plus a few for tests).
  static std::vector<project_api::ProjectOption> project_options();
  static project_api::TransportTimeouts timeouts();

  bool transport_open() const { return open_; }
  std::size_t loopback_size() const { return loopback_.size(); }

 private:
  void maybe_fail(const char* method, const nlohmann::json& options) const;
  bool is_project() const;

  std::filesystem::path dir_;
  bool open_ = false;
  std::size_t read_chunk_size_ = 0;  // 0 = unlimited
  std::deque<std::uint8_t> loopback_;
};

}  // namespace utvm::platforms::example
