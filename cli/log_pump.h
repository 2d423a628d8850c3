// A capped copy of a child's output into a log file. utvm gives a platform server (and so the
// build tools it runs) the write end of a pipe as stderr; a thread copies what arrives into the
// step's log up to a cap, then writes one line saying the log was cut and discards the rest, so a
// server or compiler that floods its output can neither fill the disk nor block on a full pipe.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>

namespace utvm::cli {

class LogPump {
 public:
  static constexpr std::size_t kDefaultCapBytes = std::size_t{32} << 20;

  // Copies into `log_fd` (not owned; it must stay open until finish()).
  explicit LogPump(int log_fd, std::size_t cap_bytes = kDefaultCapBytes);
  ~LogPump();
  LogPump(const LogPump&) = delete;
  LogPump& operator=(const LogPump&) = delete;

  // The pipe's write end, for the child's stderr. Valid until close_write_end().
  int write_fd() const { return write_fd_; }
  // Drops this process's copy of the write end, once the child has its own.
  void close_write_end();
  // Copies what the writers have sent so far (until the pipe is quiet for a moment, or at EOF)
  // and stops touching log_fd; later output is read and discarded until EOF. Idempotent.
  void finish();
  std::size_t bytes_written() const { return written_.load(); }
  bool truncated() const { return truncated_.load(); }

 private:
  void run();

  int read_fd_ = -1, write_fd_ = -1, log_fd_ = -1;
  std::size_t cap_;
  std::atomic<std::size_t> written_{0};
  std::atomic<bool> truncated_{false};
  std::atomic<bool> finishing_{false};  // finish() asked: copy until quiet, then discard
  std::mutex write_mutex_;              // held while writing to log_fd; detached_ set under it
  std::atomic<bool> detached_{false};   // the thread no longer writes to log_fd
  std::atomic<bool> stop_{false};       // the destructor: leave now, EOF or not
  std::thread thread_;
};

}  // namespace utvm::cli
