// The device's byte stream as a Project API client sees it: a transport::ByteStream whose bytes
// travel through the server's write_transport/read_transport, so utvm's link protocol
// (link::LinkClient) runs over a platform server exactly as it runs over pipes, TCP or QEMU.
// The caller opens the transport (Client::open_transport) before use and closes it after; the
// stream borrows the client and must not outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "utvm/project_api/client.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::project_api {

class TransportStream : public transport::ByteStream {
 public:
  explicit TransportStream(Client& client) : client_(client) {}

  // write_transport with the time left until `deadline` as timeout_sec.
  void write(std::span<const std::uint8_t> data,
             std::chrono::steady_clock::time_point deadline) override;
  // read_transport until it returns bytes; an empty reply or IoTimeoutError before `deadline`
  // asks again, after it throws transport::TransportTimeout.
  std::size_t read(std::span<std::uint8_t> buf,
                   std::chrono::steady_clock::time_point deadline) override;

 private:
  Client& client_;
  std::vector<std::uint8_t> scratch_;  // read_transport_into appends here
};

}  // namespace utvm::project_api
