// For platform tests: a Project API handler's transport calls as a transport::ByteStream, so a
// LinkClient drives the device through the handler exactly as `utvm run` does through the server.
#pragma once

#include <chrono>
#include <cstring>

#include "utvm/project_api/errors.h"
#include "utvm/project_api/server.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::platforms::test_support {

class HandlerStream : public transport::ByteStream {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HandlerStream(project_api::Handler& h) : h_(h) {}
  void write(std::span<const std::uint8_t> data, Clock::time_point deadline) override {
    try {
      h_.write_transport(data, seconds_left(deadline));
    } catch (const project_api::IoTimeoutError&) {
      throw transport::TransportTimeout("write_transport timed out");
    }
  }
  std::size_t read(std::span<std::uint8_t> buf, Clock::time_point deadline) override {
    try {
      auto got = h_.read_transport(buf.size(), seconds_left(deadline));
      std::memcpy(buf.data(), got.data(), got.size());
      return got.size();
    } catch (const project_api::IoTimeoutError&) {
      throw transport::TransportTimeout("read_transport timed out");
    }
  }

 private:
  static double seconds_left(Clock::time_point deadline) {
    auto s = std::chrono::duration<double>(deadline - Clock::now()).count();
    return s > 0 ? s : 0.0;
  }
  project_api::Handler& h_;
};

}  // namespace utvm::platforms::test_support
