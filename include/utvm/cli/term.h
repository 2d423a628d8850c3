// Terminal handling for the CLI: whether to colour (NO_COLOR, --no-color, non-TTY) and a status
// line for long steps that redraws itself in place on a TTY, prints plain lines otherwise and is
// silent in --json mode.
#pragma once

#include <memory>
#include <string>

namespace utvm::cli {

bool is_tty(int fd);
// True when `fd` is a terminal, NO_COLOR is unset/empty and --no-color was not given.
bool use_color(int fd);

// On a TTY the live line also shows the seconds elapsed since the last update(), redrawn once a
// second by a background thread, so a long build visibly makes progress.
class StatusLine {
 public:
  enum class Mode { kAuto, kPlain, kSilent };
  explicit StatusLine(Mode mode = Mode::kAuto, int fd = 2);
  ~StatusLine();
  // Shows `text` as the current step ("building ./proj ..."); on a TTY it replaces the last one.
  void update(const std::string& text);
  // Ends the current step with a final line ("built ./proj in 1.2 s") that stays visible.
  void done(const std::string& text);
  // Clears a live line (before printing an error, say).
  void clear();

 private:
  void write(const std::string& s);
  void start_ticker();
  void stop_ticker();
  struct Ticker;
  std::unique_ptr<Ticker> ticker_;
  std::string text_;
  int fd_;
  bool tty_ = false;
  bool silent_ = false;
  bool live_ = false;
};

}  // namespace utvm::cli
