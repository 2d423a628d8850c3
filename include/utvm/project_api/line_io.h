// Newline-delimited framing over raw file descriptors, as the Project API pipes use it.
// LineReader reads with read(2) into its own buffer and splits lines like Python's universal
// newlines (a line ends at "\n", "\r\n" or "\r"; a "\r" at the end of one read followed by "\n"
// at the start of the next is one line end). write_line() writes text + "\n" completely, survives
// EINTR/EAGAIN and a closed peer (EPIPE is an error, never a SIGPIPE death).
// Neither is thread-safe; use one reader and one writer per fd.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utvm/common/error.h"
#include "utvm/project_api/python_json.h"  // dump_ascii_json(), python_repr(), Json

namespace utvm::project_api {

// Thrown by LineReader::read_line when the deadline passes before a whole line arrived. Any
// partial line stays buffered; a later read_line continues it.
class LineTimeoutError : public utvm::Error {
 public:
  explicit LineTimeoutError(const std::string& message) : Error(ExitCode::kServerError, message) {}
};

class LineReader {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kDefaultMaxLineLength = 64u << 20;  // 64 MiB

  // Does not own `fd` (never closes it). `what` names the stream in error messages.
  explicit LineReader(int fd, std::size_t max_line_length = kDefaultMaxLineLength,
                      std::string what = "pipe");

  // Returns the next line without its terminator, or std::nullopt at EOF (a final line without
  // terminator is returned first). Throws utvm::Error(kServerError) on read errors and on lines
  // longer than max_line_length ("line longer than N bytes on <what>"), LineTimeoutError when
  // `deadline` passes first (poll(2); no deadline = block).
  std::optional<std::string> read_line(std::optional<Clock::time_point> deadline = std::nullopt);
  // Same, but fills `line` (reusing its capacity); returns false at EOF.
  bool read_line(std::string& line, std::optional<Clock::time_point> deadline = std::nullopt);

  void set_max_line_length(std::size_t n) { max_line_length_ = n; }
  std::size_t max_line_length() const { return max_line_length_; }
  int fd() const { return fd_; }
  // Bytes already read from the fd but not yet returned as lines.
  std::size_t buffered() const { return end_ - begin_; }

 private:
  bool fill(std::optional<Clock::time_point> deadline);  // false at EOF

  int fd_;
  std::size_t max_line_length_;
  std::string what_;
  std::vector<char> buf_;
  std::string pending_;  // the start of a line whose end has not arrived yet
  std::size_t begin_ = 0, end_ = 0;
  bool skip_lf_ = false;  // the previous line ended with '\r': drop a leading '\n'
  bool eof_ = false;
};

// Writes all of `data` (EINTR/EAGAIN handled, EAGAIN waits in poll(2)); EPIPE and other errors
// throw utvm::Error(kServerError) naming `what`. SIGPIPE is blocked for the calling thread during
// the write and a resulting pending SIGPIPE is consumed, so a closed reader never kills the
// process.
void write_all(int fd, std::string_view data, std::string_view what = "pipe");
// Writes `line` followed by "\n" in one write loop (writev). `line` must not contain newlines.
void write_line(int fd, std::string_view line, std::string_view what = "pipe");

}  // namespace utvm::project_api
