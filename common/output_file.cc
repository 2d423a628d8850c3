#include "utvm/common/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "utvm/common/error.h"

namespace utvm {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw Error(ExitCode::kBadInput, path.string() + ": " + what);
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      fail(path, std::string("write failed: ") + std::strerror(err));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void write_output_file(const fs::path& path, std::string_view bytes) {
  // Follow symbolic links to what they name (a dangling link names a file to create).
  fs::path target = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat lst {};
    if (::lstat(target.c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode)) break;
    std::error_code ec;
    fs::path next = fs::read_symlink(target, ec);
    if (ec) fail(path, "cannot read the symbolic link: " + ec.message());
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) fail(path, "is a folder; name a file to write");
    // A device, FIFO or socket: write through. O_NONBLOCK first so a FIFO without a reader fails
    // (ENXIO) instead of blocking forever.
    int fd = ::open(target.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      const int err = errno;
      if (err == ENXIO && S_ISFIFO(st.st_mode)) fail(path, "is a FIFO that nobody is reading");
      fail(path, std::string("cannot open for writing: ") + std::strerror(err));
    }
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    write_all(fd, bytes, path);
    ::close(fd);
    return;
  }
  // A regular file or none yet: a temporary sibling renamed over it.
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string name = ".";  // appended, not concatenated: GCC 12's -Wrestrict misfires on "." + s
  name += target.filename().string();
  name += ".utvm-out-XXXXXX";
  std::string tmpl = (dir / name).string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open for writing: ") + std::strerror(errno));
  const fs::path tmp = tmpl;
  // Keep the replaced file's permissions; a new file gets the usual 0666 & ~umask.
  mode_t mode = 0;
  if (::stat(target.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  ::fchmod(fd, mode);
  try {
    write_all(fd, bytes, path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    fail(path, "write failed");
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot rename into place: ") + std::strerror(err));
  }
}

}  // namespace utvm
