// Loopback TCP for talking to emulators: a listener on 127.0.0.1 with a kernel-chosen port (so
// two runs never race for a port number) and a connect that retries until a deadline (for
// emulators that listen themselves). Sockets come back with TCP_NODELAY set and O_CLOEXEC.
// Every failure is a utvm::Error(kTransport) naming the address and the step.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace utvm::transport {

// An owned file descriptor: closed on destruction, movable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

class TcpListener {
 public:
  // Listens on 127.0.0.1 on a free port chosen by the kernel.
  static TcpListener listen_loopback();

  uint16_t port() const { return port_; }
  // Waits for one connection until `deadline`; throws kTransport on timeout. `what` names the
  // peer in the message ("QEMU's UART").
  UniqueFd accept(std::chrono::steady_clock::time_point deadline, const std::string& what);
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  uint16_t port_ = 0;
};

// Connects to host:port, retrying refused connections until `deadline`.
UniqueFd tcp_connect(const std::string& host, uint16_t port,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace utvm::transport
