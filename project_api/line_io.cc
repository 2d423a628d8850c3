// Line framing over raw fds (see line_io.h for the contract).
#include "utvm/project_api/line_io.h"

#include <poll.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

namespace utvm::project_api {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

std::string errno_text(int err) {
  return std::strerror(err);
}

// Waits until `fd` is ready for `events`. Returns false when `deadline` passed first.
bool wait_fd(int fd, short events, std::optional<LineReader::Clock::time_point> deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto now = LineReader::Clock::now();
      if (now >= *deadline) {
        timeout_ms = 0;
      } else {
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(*deadline - now).count();
        timeout_ms = static_cast<int>(std::min<long long>((left + 999) / 1000, INT_MAX));
      }
    }
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r > 0) return true;  // readable, or HUP/ERR: the read/write call reports it
    if (r < 0 && errno != EINTR) {
      throw utvm::Error(ExitCode::kServerError, "poll failed: " + errno_text(errno));
    }
    if (r == 0 && deadline && LineReader::Clock::now() >= *deadline) return false;
  }
}

// Blocks SIGPIPE for the calling thread while alive; if a write raised SIGPIPE, the pending
// signal is consumed before the old mask comes back (so it is never delivered).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_);
    was_blocked_ = sigismember(&old_, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (got_epipe_ && !was_blocked_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void note_epipe() { got_epipe_ = true; }

 private:
  sigset_t pipe_set_, old_;
  bool was_blocked_ = false;
  bool got_epipe_ = false;
};

void write_iov(int fd, iovec* iov, int iovcnt, std::string_view what) {
  SigpipeGuard guard;
  while (iovcnt > 0) {
    const ssize_t n = ::writev(fd, iov, iovcnt);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_fd(fd, POLLOUT, std::nullopt);
        continue;
      }
      const int err = errno;
      if (err == EPIPE) {
        guard.note_epipe();
        throw utvm::Error(ExitCode::kServerError,
                          "writing to " + std::string(what) + ": the reader closed it (EPIPE)");
      }
      throw utvm::Error(ExitCode::kServerError,
                        "writing to " + std::string(what) + ": " + errno_text(err));
    }
    auto left = static_cast<std::size_t>(n);
    while (iovcnt > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --iovcnt;
    }
    if (iovcnt > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
}

}  // namespace

LineReader::LineReader(int fd, std::size_t max_line_length, std::string what)
    : fd_(fd), max_line_length_(max_line_length), what_(std::move(what)), buf_(kReadChunk) {}

bool LineReader::fill(std::optional<Clock::time_point> deadline) {
  if (eof_) return false;
  begin_ = end_ = 0;
  for (;;) {
    if (deadline && !wait_fd(fd_, POLLIN, deadline)) {
      throw LineTimeoutError("timed out waiting for a line on " + what_);
    }
    const ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n > 0) {
      end_ = static_cast<std::size_t>(n);
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!deadline) wait_fd(fd_, POLLIN, std::nullopt);
      continue;
    }
    throw utvm::Error(ExitCode::kServerError, "reading " + what_ + ": " + errno_text(errno));
  }
}

bool LineReader::read_line(std::string& line, std::optional<Clock::time_point> deadline) {
  for (;;) {
    if (begin_ == end_ && !fill(deadline)) {
      // EOF: a final unterminated line is still a line.
      if (!pending_.empty()) {
        line = std::move(pending_);
        pending_.clear();
        return true;
      }
      return false;
    }
    if (skip_lf_) {
      skip_lf_ = false;
      if (buf_[begin_] == '\n') {
        ++begin_;
        continue;
      }
    }
    const char* start = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    const char* const limit = start + avail;
    // The first '\n' or '\r': two memchr passes (vectorised by libc) beat a byte loop on the
    // long base85 lines that carry transport data.
    const char* stop = static_cast<const char*>(std::memchr(start, '\n', avail));
    const std::size_t cr_span = stop ? static_cast<std::size_t>(stop - start) : avail;
    if (const auto* cr = static_cast<const char*>(std::memchr(start, '\r', cr_span))) stop = cr;
    if (!stop) stop = limit;
    const auto len = static_cast<std::size_t>(stop - start);
    if (pending_.size() + len > max_line_length_) {
      pending_.clear();
      begin_ = end_;
      throw utvm::Error(
          ExitCode::kServerError,
          "line longer than " + std::to_string(max_line_length_) + " bytes on " + what_);
    }
    if (stop == limit) {
      pending_.append(start, len);
      begin_ = end_;
      continue;
    }
    if (pending_.empty()) {
      line.assign(start, len);
    } else {
      pending_.append(start, len);
      line = std::move(pending_);
      pending_.clear();
    }
    skip_lf_ = *stop == '\r';
    begin_ += len + 1;
    return true;
  }
}

std::optional<std::string> LineReader::read_line(std::optional<Clock::time_point> deadline) {
  std::string line;
  if (!read_line(line, deadline)) return std::nullopt;
  return line;
}

void write_all(int fd, std::string_view data, std::string_view what) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  write_iov(fd, &iov, 1, what);
}

void write_line(int fd, std::string_view line, std::string_view what) {
  static const char kNewline = '\n';
  iovec iov[2] = {{const_cast<char*>(line.data()), line.size()}, {const_cast<char*>(&kNewline), 1}};
  write_iov(fd, iov, 2, what);
}

}  // namespace utvm::project_api
