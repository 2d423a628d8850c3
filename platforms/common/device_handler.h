// The base of every built-in platform's Project API handler that talks to a device: it owns the
// device's DeviceTransport and implements open_transport, close_transport, read_transport and
// write_transport once. A platform supplies only how to reach its device (`open_stream`): the
// byte stream, what carries it, and the device program the stream does not stop.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/device_transport.h"
#include "utvm/common/subprocess.h"
#include "utvm/project_api/server.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::platforms {

// What a platform's open_stream opened.
struct OpenedDevice {
  std::unique_ptr<transport::ByteStream> stream;
  DeviceTransport::Medium medium = DeviceTransport::Medium::kPipe;
  // A device program of its own that closing the stream does not stop (a simulator on pipes).
  std::optional<Process> process;
};

// Starts `spec` (argv, cwd, stderr) with its stdin and stdout on pipes to a transport::FdStream
// named `name`. Throws project_api::ServerError "open_transport: ..." when it cannot.
OpenedDevice program_on_pipes(SpawnOptions spec, const std::string& name,
                              DeviceTransport::Medium medium);

class DeviceHandler : public project_api::Handler {
 public:
  // `project_dir` is named in the message that refuses TVM's session start.
  explicit DeviceHandler(std::filesystem::path project_dir);

  // Closes any open device, then open_stream(options); replies with the medium's timeouts.
  project_api::TransportTimeouts open_transport(const nlohmann::json& options) final;
  void close_transport() final;
  std::vector<std::uint8_t> read_transport(std::size_t n, std::optional<double> timeout_sec) final;
  void write_transport(std::span<const std::uint8_t> data, std::optional<double> timeout_sec) final;

 protected:
  // How this platform reaches its device; called with no device open. Errors are
  // project_api::ServerErrors naming open_transport.
  virtual OpenedDevice open_stream(const nlohmann::json& options) = 0;
  const DeviceTransport& device() const { return device_; }

 private:
  DeviceTransport device_;
};

}  // namespace utvm::platforms
