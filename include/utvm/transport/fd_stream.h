// A ByteStream over two file descriptors (the pipes to a POSIX device program, a pty, a socket).
// The fds are switched to non-blocking mode and waited on with poll(), so deadlines hold even
// when the peer stops reading. The stream does not own the fds unless told to.
// Writing to a pipe whose reader is gone must fail with EPIPE rather than kill the process, so
// the first FdStream sets SIGPIPE to SIG_IGN if it still has its default action.
#pragma once

#include <string>

#include "utvm/transport/byte_stream.h"

namespace utvm::transport {

class FdStream : public ByteStream {
 public:
  // peer names the other end in error messages ("the device", "QEMU").
  FdStream(int read_fd, int write_fd, std::string peer = "the device", bool owns_fds = false);
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;
  ~FdStream() override;

  void write(std::span<const std::uint8_t> data,
             std::chrono::steady_clock::time_point deadline) override;
  std::size_t read(std::span<std::uint8_t> buf,
                   std::chrono::steady_clock::time_point deadline) override;

  int read_fd() const { return read_fd_; }
  int write_fd() const { return write_fd_; }

 private:
  int read_fd_;
  int write_fd_;
  std::string peer_;
  bool owns_fds_;
};

}  // namespace utvm::transport
