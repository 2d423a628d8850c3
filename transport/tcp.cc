#include "utvm/transport/tcp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "utvm/common/error.h"

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  throw Error(ExitCode::kTransport, fmt::format("{}: {}", what, std::strerror(errno)));
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

TcpListener TcpListener::listen_loopback() {
  TcpListener l;
  l.fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!l.fd_.valid()) fail("creating a TCP socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(l.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    fail("binding a TCP socket to 127.0.0.1");
  if (::listen(l.fd_.get(), 1) != 0) fail("listening on 127.0.0.1");
  socklen_t len = sizeof addr;
  if (::getsockname(l.fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    fail("reading the listening port");
  l.port_ = ntohs(addr.sin_port);
  return l;
}

UniqueFd TcpListener::accept(Clock::time_point deadline, const std::string& what) {
  for (;;) {
    pollfd p{fd_.get(), POLLIN, 0};
    int ms = remaining_ms(deadline);
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(fmt::format("waiting for {} on 127.0.0.1:{}", what, port_));
    if (r == 0) {
      throw Error(ExitCode::kTransport,
                  fmt::format("timed out waiting for {} to connect to 127.0.0.1:{}", what, port_));
    }
    int fd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      fail(fmt::format("accepting {} on 127.0.0.1:{}", what, port_));
    }
    set_nodelay(fd);
    return UniqueFd(fd);
  }
}

UniqueFd tcp_connect(const std::string& host, uint16_t port, Clock::time_point deadline) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    throw Error(ExitCode::kTransport, fmt::format("'{}' is not an IPv4 address", host));
  }
  for (;;) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) fail("creating a TCP socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      set_nodelay(fd.get());
      return fd;
    }
    int err = errno;
    if ((err != ECONNREFUSED && err != EINTR) || Clock::now() >= deadline) {
      errno = err;
      fail(fmt::format("connecting to {}:{}", host, port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace utvm::transport
