#include "log_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <fmt/core.h>

#include "utvm/common/error.h"

namespace utvm::cli {

namespace {

// How long the pipe must be quiet, after finish(), before the log is considered complete.
constexpr int kQuietMs = 100;
// The longest finish() waits for that quiet, and the destructor for EOF.
constexpr auto kMaxWait = std::chrono::seconds(2);

void write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // a full disk: the log is best effort, the step goes on
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

LogPump::LogPump(int log_fd, std::size_t cap_bytes) : log_fd_(log_fd), cap_(cap_bytes) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ExitCode::kFailure,
                fmt::format("cannot make a pipe for the step's log: {}", std::strerror(errno)));
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  thread_ = std::thread([this] { run(); });
}

LogPump::~LogPump() {
  close_write_end();
  finish();
  // Wait for the writers to go (EOF), then leave whether they did or not.
  const auto until = std::chrono::steady_clock::now() + kMaxWait;
  while (std::chrono::steady_clock::now() < until && !stop_.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (read_fd_ >= 0) ::close(read_fd_);
}

void LogPump::close_write_end() {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

void LogPump::finish() {
  finishing_ = true;
  const auto until = std::chrono::steady_clock::now() + kMaxWait;
  while (!detached_.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::lock_guard<std::mutex> lock(write_mutex_);  // no write to log_fd after this
  detached_ = true;
}

void LogPump::run() {
  char buf[1 << 16];
  auto quiet_since = std::chrono::steady_clock::now();
  for (;;) {
    if (stop_.load()) return;
    pollfd p{read_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, 20);
    if (r < 0 && errno != EINTR) return;
    if (r <= 0) {
      if (finishing_.load() && !detached_.load() &&
          std::chrono::steady_clock::now() - quiet_since >= std::chrono::milliseconds(kQuietMs))
        detached_ = true;
      continue;
    }
    const ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: every writer is gone
      detached_ = true;
      stop_ = true;
      return;
    }
    quiet_since = std::chrono::steady_clock::now();
    const std::lock_guard<std::mutex> lock(write_mutex_);
    if (detached_.load()) continue;
    const std::size_t done = written_.load();
    const std::size_t room = done < cap_ ? cap_ - done : 0;
    const std::size_t take = std::min(room, static_cast<std::size_t>(n));
    if (take > 0) {
      write_all(log_fd_, buf, take);
      written_ = done + take;
    }
    if (take < static_cast<std::size_t>(n) && !truncated_.exchange(true)) {
      const std::string note = fmt::format(
          "\n[utvm: this log was cut after {} bytes; the rest of the output was discarded]\n",
          cap_);
      write_all(log_fd_, note.data(), note.size());
    }
  }
}

}  // namespace utvm::cli
