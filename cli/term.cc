// Terminal helpers: colour policy and the live status line.
#include "utvm/cli/term.h"

#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "utvm/cli/context.h"

namespace utvm::cli {

Context& cli_context() {
  static Context ctx;
  return ctx;
}

bool is_tty(int fd) {
  return ::isatty(fd) == 1;
}

bool use_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  if (cli_context().no_color) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string(term) == "dumb") return false;
  return is_tty(fd);
}

StatusLine::StatusLine(Mode mode, int fd) : fd_(fd) {
  silent_ = mode == Mode::kSilent;
  tty_ = mode == Mode::kAuto && is_tty(fd);
}

StatusLine::~StatusLine() {
  clear();
}

struct StatusLine::Ticker {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;
};

void StatusLine::start_ticker() {
  ticker_ = std::make_unique<Ticker>();
  Ticker* t = ticker_.get();
  const std::string text = text_;
  t->thread = std::thread([this, t, text] {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(t->mu);
    while (!t->cv.wait_for(lock, std::chrono::seconds(1), [t] { return t->stop; })) {
      auto s =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0)
              .count();
      write("\r\033[K" + text + " " + std::to_string(s) + " s");
    }
  });
}

void StatusLine::stop_ticker() {
  if (!ticker_) return;
  {
    std::lock_guard<std::mutex> lock(ticker_->mu);
    ticker_->stop = true;
  }
  ticker_->cv.notify_all();
  ticker_->thread.join();
  ticker_.reset();
}

void StatusLine::write(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n <= 0) return;  // a closed terminal is not worth failing a build for
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void StatusLine::update(const std::string& text) {
  if (silent_) return;
  if (tty_) {
    stop_ticker();
    text_ = text;
    write("\r\033[K" + text);
    live_ = true;
    start_ticker();
  } else {
    write(text + "\n");
  }
}

void StatusLine::done(const std::string& text) {
  if (silent_) return;
  if (tty_) {
    stop_ticker();
    write("\r\033[K" + text + "\n");
    live_ = false;
  } else {
    write(text + "\n");
  }
}

void StatusLine::clear() {
  stop_ticker();
  if (tty_ && live_) write("\r\033[K");
  live_ = false;
}

}  // namespace utvm::cli
