#include "project_publish.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <regex>

#include <fmt/core.h>

#include "utvm/cli/project.h"
#include "utvm/common/error.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& child, const fs::path& dir) {
  auto c = child.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++c) {
    if (d->empty()) continue;  // a trailing separator
    if (c == child.end() || *c != *d) return false;
  }
  return true;
}

fs::path canonical_or_lexical(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

// ---- signal-time removal: only system calls, fixed buffers ----------------------------------

struct Dirent64 {
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

void remove_at(int dirfd, const char* name, int depth) {
  if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return;
  if (depth > 48) return;
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[2048];
  bool removed = true;
  while (removed) {  // entries removed while listing may hide others: list again until none
    removed = false;
    ::lseek(fd, 0, SEEK_SET);
    for (long n; (n = ::syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<Dirent64*>(buf + off);
        off += d->d_reclen;
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        remove_at(fd, d->d_name, depth + 1);
        removed = true;
      }
    }
  }
  ::close(fd);
  ::unlinkat(dirfd, name, AT_REMOVEDIR);
}

// The live staging folder: its parent and name (plus the prefix of the server's temporaries).
char g_parent[4096];
char g_name[512];
std::atomic<bool> g_armed{false};

}  // namespace

void remove_staging_on_signal() {
  if (!g_armed.load()) return;
  int parent = ::open(g_parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0) return;
  remove_at(parent, g_name, 0);
  // The server's own temporary folder: ".<staging name>.utvm-tmp-<server pid>".
  char prefix[600];
  int len = ::snprintf(prefix, sizeof prefix, ".%s.utvm-tmp-", g_name);
  alignas(8) char buf[2048];
  if (len > 0 && static_cast<size_t>(len) < sizeof prefix) {
    bool removed = true;
    while (removed) {
      removed = false;
      ::lseek(parent, 0, SEEK_SET);
      for (long n; (n = ::syscall(SYS_getdents64, parent, buf, sizeof buf)) > 0;) {
        for (long off = 0; off < n;) {
          auto* d = reinterpret_cast<Dirent64*>(buf + off);
          off += d->d_reclen;
          if (std::strncmp(d->d_name, prefix, static_cast<size_t>(len)) == 0) {
            remove_at(parent, d->d_name, 0);
            removed = true;
          }
        }
      }
    }
  }
  ::close(parent);
}

void check_replaceable(const fs::path& project_dir, const fs::path& mlf) {
  std::error_code ec;
  const auto st = fs::symlink_status(project_dir, ec);
  auto refuse = [&](const std::string& why) {
    throw Error(ExitCode::kUsage,
                fmt::format("-f will not replace {}: {}. Choose another PROJECT_DIR or remove it "
                            "yourself.",
                            project_dir.string(), why));
  };
  if (fs::is_symlink(st)) refuse("it is a symbolic link");
  if (!fs::is_directory(st)) refuse("it is not a folder");
  const fs::path dir = canonical_or_lexical(project_dir);
  if (inside(canonical_or_lexical(mlf), dir))
    refuse(fmt::format("it contains the input {}", mlf.string()));
  if (inside(canonical_or_lexical(fs::current_path(ec)), dir))
    refuse("it contains the working directory");
  if (fs::is_empty(project_dir, ec)) return;
  if (fs::is_regular_file(project_dir / kProjectFileName, ec) ||
      fs::is_regular_file(project_dir / "project.json", ec))
    return;
  refuse(fmt::format("it is not a utvm project (no {} or project.json in it)", kProjectFileName));
}

void sweep_stale_temporaries(const fs::path& parent) {
  static const std::regex kTemp(R"(\..+\.utvm-(new|old|tmp)-([0-9]{1,9}))");
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, kTemp)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(m[2].str()));
    if (pid == ::getpid()) continue;
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

StagedProject::StagedProject(const fs::path& project_dir) : project_(project_dir) {
  const fs::path parent = project_.parent_path();
  sweep_stale_temporaries(parent);
  staging_ = parent / fmt::format(".{}.utvm-new-{}", project_.filename().string(),
                                  static_cast<long>(::getpid()));
  std::error_code ec;
  fs::remove_all(staging_, ec);
  const std::string p = parent.string(), n = staging_.filename().string();
  if (p.size() < sizeof g_parent && n.size() < sizeof g_name) {
    std::memcpy(g_parent, p.c_str(), p.size() + 1);
    std::memcpy(g_name, n.c_str(), n.size() + 1);
    g_armed.store(true);
  }
}

StagedProject::~StagedProject() {
  g_armed.store(false);
  if (published_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
  const std::string prefix = fmt::format(".{}.utvm-tmp-", staging_.filename().string());
  for (auto it = fs::directory_iterator(staging_.parent_path(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

void StagedProject::publish() {
  std::error_code ec;
  const bool replace = fs::exists(fs::symlink_status(project_, ec));
  const unsigned flags = replace ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, project_.c_str(), flags) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      throw Error(ExitCode::kUsage,
                  fmt::format("{} appeared while the project was generated; not replacing it",
                              project_.string()));
    }
    if (err != EINVAL && err != ENOSYS) {
      throw Error(ExitCode::kBadInput, fmt::format("cannot move the new project to {}: {}",
                                                   project_.string(), std::strerror(err)));
    }
    // A file system without renameat2's flags: move the old one aside first.
    fs::path old;
    if (replace) {
      old = project_.parent_path() / fmt::format(".{}.utvm-old-{}", project_.filename().string(),
                                                 static_cast<long>(::getpid()));
      fs::rename(project_, old, ec);
      if (ec) {
        throw Error(ExitCode::kBadInput, fmt::format("cannot move the old project {} aside: {}",
                                                     project_.string(), ec.message()));
      }
    }
    fs::rename(staging_, project_, ec);
    if (ec) {
      if (replace) fs::rename(old, project_, ec);
      throw Error(ExitCode::kBadInput,
                  fmt::format("cannot move the new project to {}", project_.string()));
    }
    published_ = true;
    g_armed.store(false);
    if (replace) fs::remove_all(old, ec);
    return;
  }
  published_ = true;
  g_armed.store(false);
  if (replace) fs::remove_all(staging_, ec);  // now the old project
}

}  // namespace utvm::cli
