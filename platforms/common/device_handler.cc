#include "common/device_handler.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "utvm/common/error.h"
#include "utvm/project_api/errors.h"
#include "utvm/transport/fd_stream.h"

namespace utvm::platforms {
namespace api = utvm::project_api;

OpenedDevice program_on_pipes(SpawnOptions spec, const std::string& name,
                              DeviceTransport::Medium medium) {
  int to_dev[2], from_dev[2];
  if (::pipe2(to_dev, O_CLOEXEC) != 0) throw api::ServerError("open_transport: pipe failed");
  if (::pipe2(from_dev, O_CLOEXEC) != 0) {
    ::close(to_dev[0]);
    ::close(to_dev[1]);
    throw api::ServerError("open_transport: pipe failed");
  }
  spec.stdin_fd = to_dev[0];
  spec.stdout_fd = from_dev[1];
  OpenedDevice opened;
  try {
    opened.process.emplace(Process::spawn(spec));
  } catch (const Error& e) {
    for (int fd : {to_dev[0], to_dev[1], from_dev[0], from_dev[1]})
      ::close(fd);
    throw api::ServerError(fmt::format("open_transport: {}", e.what()));
  }
  ::close(to_dev[0]);
  ::close(from_dev[1]);
  opened.stream =
      std::make_unique<transport::FdStream>(from_dev[0], to_dev[1], name, /*owns_fds=*/true);
  opened.medium = medium;
  return opened;
}

DeviceHandler::DeviceHandler(std::filesystem::path project_dir) : device_(std::move(project_dir)) {}

api::TransportTimeouts DeviceHandler::open_transport(const nlohmann::json& options) {
  device_.close();
  OpenedDevice opened = open_stream(options);
  return device_.open(std::move(opened.stream), opened.medium, std::move(opened.process));
}

void DeviceHandler::close_transport() {
  device_.close();  // a simulator on pipes sees EOF and exits (else it is stopped)
}

std::vector<std::uint8_t> DeviceHandler::read_transport(std::size_t n,
                                                        std::optional<double> timeout_sec) {
  return device_.read(n, timeout_sec);
}

void DeviceHandler::write_transport(std::span<const std::uint8_t> data,
                                    std::optional<double> timeout_sec) {
  device_.write(data, timeout_sec);
}

}  // namespace utvm::platforms
