#include "utvm/transport/fd_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Waits for `events` on fd until deadline. Returns false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline, const std::string& peer) {
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, left > 1'000'000 ? 1'000'000 : static_cast<int>(left));
    if (r > 0) return true;  // readable, writable, hung up or error: the syscall tells which
    if (r < 0 && errno != EINTR) {
      throw Error(ExitCode::kTransport,
                  fmt::format("waiting for {}: poll: {}", peer, strerror(errno)));
    }
  }
}

std::string waited(Clock::time_point start) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return fmt::format("{} ms", ms);
}

}  // namespace

void ignore_sigpipe() {
  static const bool done = [] {
    struct sigaction old {};
    if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      sigemptyset(&ign.sa_mask);
      sigaction(SIGPIPE, &ign, nullptr);
    }
    return true;
  }();
  (void)done;
}

FdStream::FdStream(int read_fd, int write_fd, std::string peer, bool owns_fds)
    : read_fd_(read_fd), write_fd_(write_fd), peer_(std::move(peer)), owns_fds_(owns_fds) {
  ignore_sigpipe();
  set_nonblocking(read_fd_);
  set_nonblocking(write_fd_);
}

FdStream::~FdStream() {
  if (!owns_fds_) return;
  if (read_fd_ >= 0) close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_) close(write_fd_);
}

void FdStream::write(std::span<const std::uint8_t> data, Clock::time_point deadline) {
  const auto start = Clock::now();
  const std::size_t total = data.size();
  while (!data.empty()) {
    ssize_t w = ::write(write_fd_, data.data(), data.size());
    if (w > 0) {
      data = data.subspan(static_cast<std::size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(write_fd_, POLLOUT, deadline, peer_)) {
        throw TransportTimeout(fmt::format("timed out after {} writing to {} (it stopped reading)",
                                           waited(start), peer_),
                               total - data.size());
      }
      continue;
    }
    if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      throw Error(ExitCode::kTransport, fmt::format("{} closed the link", peer_));
    }
    throw Error(ExitCode::kTransport,
                fmt::format("writing to {}: {}", peer_, w < 0 ? strerror(errno) : "wrote nothing"));
  }
}

std::size_t FdStream::read(std::span<std::uint8_t> buf, Clock::time_point deadline) {
  const auto start = Clock::now();
  if (buf.empty()) return 0;
  for (;;) {
    ssize_t r = ::read(read_fd_, buf.data(), buf.size());
    if (r > 0) return static_cast<std::size_t>(r);
    if (r == 0) throw Error(ExitCode::kTransport, fmt::format("{} closed the link", peer_));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_fd(read_fd_, POLLIN, deadline, peer_)) {
        throw TransportTimeout(
            fmt::format("timed out after {} waiting for {} to answer", waited(start), peer_));
      }
      continue;
    }
    if (errno == ECONNRESET)
      throw Error(ExitCode::kTransport, fmt::format("{} closed the link", peer_));
    throw Error(ExitCode::kTransport, fmt::format("reading from {}: {}", peer_, strerror(errno)));
  }
}

}  // namespace utvm::transport
