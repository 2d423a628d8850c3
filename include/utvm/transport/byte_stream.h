// The byte pipe under utvm's link protocol: whatever carries bytes to and from a device (pipes to
// a host process, a serial port, QEMU's UART over TCP) implements ByteStream.
// Promises every implementation keeps:
//  - read() blocks until at least one byte arrived or the deadline passed; it returns >= 1.
//  - A deadline that passes throws TransportTimeout (a utvm::Error with kTransport); for write()
//    its bytes_written() says how much of the data went out before it, so a caller may go on.
//  - A peer that went away throws utvm::Error(kTransport, "... closed the link").
// A ByteStream is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "utvm/common/error.h"

namespace utvm::transport {

// The one place SIGPIPE is handled for utvm's streams: a write to a pipe, socket or tty whose
// reader is gone fails with EPIPE (the stream's "closed the link" error) instead of killing the
// process. Ignores SIGPIPE once, unless the program chose its own disposition; every stream that
// writes to such a descriptor calls it when it is created.
void ignore_sigpipe();

// Thrown when a read or write deadline passes; callers may retry (the link does).
class TransportTimeout : public Error {
 public:
  explicit TransportTimeout(const std::string& message, std::size_t bytes_written = 0)
      : Error(ExitCode::kTransport, message), bytes_written_(bytes_written) {}
  // For a write: the bytes of its data written before the deadline passed (0 for a read).
  std::size_t bytes_written() const { return bytes_written_; }

 private:
  std::size_t bytes_written_;
};

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Writes all of data before deadline.
  virtual void write(std::span<const std::uint8_t> data,
                     std::chrono::steady_clock::time_point deadline) = 0;
  // Reads 1..buf.size() bytes; returns how many.
  virtual std::size_t read(std::span<std::uint8_t> buf,
                           std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace utvm::transport
