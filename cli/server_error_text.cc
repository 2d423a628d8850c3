#include "utvm/cli/server_error_text.h"

namespace utvm::cli {

namespace {

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

}  // namespace

std::string server_error_text(const project_api::ServerError& e, bool verbose) {
  std::string full = e.what();
  if (verbose) return full;
  const std::string marker = "\nTraceback (most recent call last):\n";
  const auto at = full.find(marker);
  if (at == std::string::npos) return full;
  std::string out = full.substr(0, at);
  // The traceback ends in "Type: message"; keep that only when it says more than the message
  // already printed above it (a message may span many lines: a build log's tail).
  const std::string tail = trim_newlines(full.substr(at + marker.size()));
  const std::string message = trim_newlines(e.message());
  const bool repeats_message =
      !message.empty() && tail.size() >= message.size() &&
      tail.compare(tail.size() - message.size(), message.size(), message) == 0;
  if (!repeats_message) {
    const auto nl = tail.rfind('\n');
    out += "\n" + (nl == std::string::npos ? tail : tail.substr(nl + 1));
  }
  out += "\n(the server's traceback: run again with -v)";
  return out;
}

}  // namespace utvm::cli
