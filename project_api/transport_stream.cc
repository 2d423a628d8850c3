// The link's byte stream over a Project API client (see transport_stream.h).
#include "utvm/project_api/transport_stream.h"

#include <cstring>

#include "utvm/project_api/errors.h"

namespace utvm::project_api {
namespace {

double seconds_left(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left.count() : 0.0;
}

}  // namespace

void TransportStream::write(std::span<const std::uint8_t> data,
                            std::chrono::steady_clock::time_point deadline) {
  client_.write_transport(data, seconds_left(deadline));
}

std::size_t TransportStream::read(std::span<std::uint8_t> buf,
                                  std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const double left = seconds_left(deadline);
    std::size_t got = 0;
    scratch_.clear();
    try {
      got = client_.read_transport_into(buf.size(), left, scratch_);
    } catch (const IoTimeoutError&) {
      got = 0;
    }
    if (got > 0) {
      std::memcpy(buf.data(), scratch_.data(), got);
      return got;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw transport::TransportTimeout("timed out waiting for the device");
  }
}

}  // namespace utvm::project_api
