#include "project_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "utvm/common/error.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

// What the holder wrote: "<activity> <pid>".
std::string holder_text(int fd) {
  char buf[128];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "using";
  buf[n] = '\0';
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  // Only what a utvm writes: a word and a number.
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ')) return "using";
  }
  auto space = s.find(' ');
  if (space == std::string::npos) return s;
  return fmt::format("{} (pid {})", s.substr(0, space), s.substr(space + 1));
}

}  // namespace

ProjectLock::ProjectLock(const fs::path& project_dir, const std::string& activity, bool wait) {
  // A folder that is no generated project (a template given by mistake: the server will say so)
  // gets no lock file. Generated projects hold their model.tar (TVM's rule for is_template) or
  // utvm-project.json.
  std::error_code ec;
  if (!fs::exists(project_dir / "model.tar", ec) &&
      !fs::exists(project_dir / "utvm-project.json", ec))
    return;
  const fs::path file = project_dir / ".utvm-lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) {
    if (errno == EACCES || errno == EROFS || errno == EPERM) return;  // read-only: unlocked
    throw Error(ExitCode::kBadInput, fmt::format("cannot open the project lock {}: {}",
                                                 file.string(), std::strerror(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string who = holder_text(fd_);
    if (!wait) {
      ::close(fd_);
      fd_ = -1;
      throw Error(ExitCode::kBusy,
                  fmt::format("another utvm is {} {}; try again when it is done (or leave out "
                              "--no-wait to wait for it)",
                              who, project_dir.string()));
    }
    std::fputs(fmt::format("utvm: another utvm is {} {}; waiting for it (Ctrl-C to stop, "
                           "--no-wait to fail instead)\n",
                           who, project_dir.string())
                   .c_str(),
               stderr);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) break;
    }
  }
  const std::string me = fmt::format("{} {}\n", activity, static_cast<long>(::getpid()));
  if (::ftruncate(fd_, 0) == 0) {
    ssize_t ignored = ::pwrite(fd_, me.data(), me.size(), 0);
    (void)ignored;
  }
}

ProjectLock::~ProjectLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace utvm::cli
