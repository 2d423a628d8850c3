// Reading MLF tars through libarchive into memory, with the safety rules of archive.h.
#include "utvm/mlf/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <system_error>

#include "utvm/common/error.h"
#include "utvm/common/text.h"

namespace utvm::mlf {
namespace {

[[noreturn]] void fail(std::string_view archive, std::string_view member, std::string_view what) {
  if (member.empty()) throw Error(ExitCode::kBadInput, fmt::format("{}: {}", archive, what));
  throw Error(ExitCode::kBadInput, fmt::format("{}: {}: {}", archive, printable(member), what));
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

std::string libarchive_error(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg ? msg : "unknown libarchive error";
}

// Reads every entry from an opened libarchive handle and applies the safety rules.
class Reader {
 public:
  Reader(struct archive* a, std::string name, const ArchiveLimits& limits,
         std::uint64_t input_bytes)
      : a_(a), name_(std::move(name)), limits_(limits), input_bytes_(input_bytes) {}

  // A compressed archive (or sparse members) may unpack to far more than the file holds. Real
  // MLFs are C text and tensors (a few to one under gzip); past kBombFloor bytes, more than
  // kMaxExpansion times the file's size is refused before it is all in memory.
  static constexpr std::uint64_t kBombFloor = std::uint64_t{64} << 20;
  static constexpr std::uint64_t kMaxExpansion = 200;
  void check_expansion(std::uint64_t unpacked, const char* raw) const {
    if (unpacked > kBombFloor && unpacked / kMaxExpansion > input_bytes_) {
      fail(name_, raw,
           fmt::format("the {}-byte archive unpacks to more than {} bytes (over {} times its "
                       "size): refused as a decompression bomb",
                       input_bytes_, unpacked, kMaxExpansion));
    }
  }

  void run(std::map<std::string, std::string>& members, std::vector<std::string>& dirs) {
    std::set<std::string> dir_set;
    std::uint64_t count = 0, total = 0;
    for (;;) {
      struct archive_entry* entry = nullptr;
      int r = archive_read_next_header(a_, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_RETRY) continue;
      if (r < ARCHIVE_WARN || entry == nullptr) {
        if (count == 0) fail(name_, "", "not a readable tar archive: " + libarchive_error(a_));
        fail(name_, "",
             fmt::format("corrupt or truncated tar after {} entries: {}", count,
                         libarchive_error(a_)));
      }
      if (++count > limits_.max_members) {
        fail(name_, "",
             fmt::format("more than {} members (raise ArchiveLimits::max_members)",
                         limits_.max_members));
      }
      const char* raw = archive_entry_pathname(entry);
      if (raw == nullptr) raw = archive_entry_pathname_utf8(entry);
      if (raw == nullptr) fail(name_, "", fmt::format("entry {} has no name", count));
      std::string name = normalise_member_name(raw, name_);
      if (archive_entry_hardlink(entry) != nullptr) {
        fail(name_, raw, "hard links are not allowed in an MLF archive");
      }
      auto type = archive_entry_filetype(entry);
      if (type == AE_IFDIR) {
        if (name.empty()) continue;  // the "./" root entry
        if (members.count(name)) fail(name_, raw, "directory entry clashes with a file");
        dir_set.insert(name);
        continue;
      }
      if (type == AE_IFLNK) fail(name_, raw, "symbolic links are not allowed in an MLF archive");
      if (type != AE_IFREG) {
        fail(name_, raw, "device, fifo and socket entries are not allowed in an MLF archive");
      }
      if (name.empty()) fail(name_, raw, "regular file with an empty name");
      if (members.count(name) || dir_set.count(name)) {
        fail(name_, raw, "duplicate member name (would overwrite an earlier member)");
      }
      if (!archive_entry_size_is_set(entry)) fail(name_, raw, "member has no size");
      la_int64_t size = archive_entry_size(entry);
      if (size < 0) fail(name_, raw, "negative member size");
      auto usize = static_cast<std::uint64_t>(size);
      if (usize > limits_.max_member_bytes) {
        fail(name_, raw,
             fmt::format("member is {} bytes, over the {}-byte cap "
                         "(raise ArchiveLimits::max_member_bytes)",
                         usize, limits_.max_member_bytes));
      }
      const std::uint64_t before = total;
      total += usize;
      if (total > limits_.max_total_bytes) {
        fail(name_, raw,
             fmt::format("archive unpacks to more than {} bytes "
                         "(raise ArchiveLimits::max_total_bytes)",
                         limits_.max_total_bytes));
      }
      // What the header declares is checked before anything is inflated.
      check_expansion(total, raw);
      std::string data;
      data.reserve(usize);
      for (;;) {
        const void* block = nullptr;
        std::size_t len = 0;
        la_int64_t offset = 0;
        int rr = archive_read_data_block(a_, &block, &len, &offset);
        if (rr == ARCHIVE_EOF) break;
        if (rr < ARCHIVE_WARN) {
          fail(name_, raw,
               fmt::format("truncated or unreadable member data at byte {}: {}", data.size(),
                           libarchive_error(a_)));
        }
        if (offset < 0 || static_cast<std::uint64_t>(offset) < data.size() ||
            static_cast<std::uint64_t>(offset) + len > usize) {
          fail(name_, raw, "member data does not match its declared size");
        }
        check_expansion(before + static_cast<std::uint64_t>(offset) + len, raw);
        data.append(static_cast<std::size_t>(offset) - data.size(), '\0');  // sparse hole
        data.append(static_cast<const char*>(block), len);
      }
      data.resize(usize, '\0');  // a trailing sparse hole
      members.emplace(std::move(name), std::move(data));
    }
    if (count == 0) fail(name_, "", "empty archive (no tar entries)");
    // Implied parent directories, and files that would have to be directories.
    for (const auto& [name, data] : members) {
      for (std::size_t pos = name.find('/'); pos != std::string::npos;
           pos = name.find('/', pos + 1)) {
        std::string parent = name.substr(0, pos);
        if (members.count(parent)) {
          fail(name_, name, "its parent '" + parent + "' is a regular file");
        }
        dir_set.insert(std::move(parent));
      }
    }
    dirs.assign(dir_set.begin(), dir_set.end());
  }

 private:
  struct archive* a_;
  std::string name_;
  ArchiveLimits limits_;
  std::uint64_t input_bytes_;
};

ArchivePtr new_reader() {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error(ExitCode::kFailure, "libarchive: out of memory");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

}  // namespace

std::string normalise_member_name(std::string_view raw, std::string_view archive_name) {
  if (raw.empty()) fail(archive_name, "", "member with an empty name");
  if (raw.front() == '/') fail(archive_name, raw, "absolute member names are not allowed");
  if (raw.find('\\') != std::string_view::npos) {
    fail(archive_name, raw, "backslashes in member names are not allowed");
  }
  if (raw.find('\0') != std::string_view::npos) fail(archive_name, raw, "NUL in member name");
  // Names end up in generated build files, logs and terminals: a newline broke the ninja file,
  // an ESC sequence retitled the terminal, bytes that are not UTF-8 broke `info --json`.
  if (!is_valid_utf8(raw)) fail(archive_name, raw, "member name is not valid UTF-8");
  if (has_control_char(raw)) {
    fail(archive_name, raw, "control characters in member names are not allowed");
  }
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i <= raw.size()) {
    std::size_t j = raw.find('/', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view part = raw.substr(i, j - i);
    if (part == "..") fail(archive_name, raw, "'..' in member names is not allowed");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out;
}

Archive Archive::read(const std::filesystem::path& tar, const ArchiveLimits& limits) {
  Archive result;
  result.name_ = tar.string();
  std::error_code ec;
  auto status = std::filesystem::status(tar, ec);
  if (ec || !std::filesystem::exists(status)) fail(result.name_, "", "no such file");
  if (!std::filesystem::is_regular_file(status)) fail(result.name_, "", "not a regular file");
  if (std::filesystem::file_size(tar, ec) == 0 && !ec) fail(result.name_, "", "empty file");
  // Small archives (every real MLF) are read with one read() loop and parsed from memory;
  // larger ones are streamed by libarchive. (No mmap: a file truncated while mapped would
  // raise SIGBUS.)
  int fd = ::open(result.name_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(result.name_, "", std::string("cannot open: ") + std::strerror(errno));
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) fail(result.name_, "", "empty file");
  ArchivePtr a = new_reader();
  std::string buffer;
  int opened;
  if (static_cast<std::uint64_t>(st.st_size) <= (64u << 20)) {
    buffer.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < buffer.size()) {
      ssize_t n = ::read(fd, buffer.data() + got, buffer.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    buffer.resize(got);  // a file that shrank while read is parsed as it is now
    if (buffer.empty()) fail(result.name_, "", "empty file");
    opened = archive_read_open_memory(a.get(), buffer.data(), buffer.size());
  } else {
    opened = archive_read_open_fd(a.get(), fd, 1 << 20);
  }
  if (opened != ARCHIVE_OK) {
    fail(result.name_, "", "not a readable tar archive: " + libarchive_error(a.get()));
  }
  Reader(a.get(), result.name_, limits, static_cast<std::uint64_t>(st.st_size))
      .run(result.members_, result.directories_);
  return result;
}

Archive Archive::from_bytes(std::string_view bytes, std::string_view name_for_errors,
                            const ArchiveLimits& limits) {
  Archive result;
  result.name_ = std::string(name_for_errors);
  if (bytes.empty()) fail(result.name_, "", "empty file");
  ArchivePtr a = new_reader();
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    fail(result.name_, "", "not a readable tar archive: " + libarchive_error(a.get()));
  }
  Reader(a.get(), result.name_, limits, bytes.size()).run(result.members_, result.directories_);
  return result;
}

const std::string* Archive::find(std::string_view name) const {
  auto it = members_.find(std::string(name));
  return it == members_.end() ? nullptr : &it->second;
}

std::vector<std::string> Archive::list(std::string_view dir) const {
  std::string prefix(dir);
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  if (!prefix.empty()) prefix += '/';
  std::vector<std::string> out;
  for (auto it = members_.lower_bound(prefix); it != members_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->first);
  }
  return out;
}

namespace {

[[noreturn]] void fail_io(const std::filesystem::path& p, std::string_view what, int err) {
  throw Error(ExitCode::kFailure,
              fmt::format("extracting to {}: {}: {}", p.string(), what, std::strerror(err)));
}

void write_file(const std::filesystem::path& p, const std::string& data) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(p, "cannot create file", errno);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail_io(p, "write failed", err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail_io(p, "close failed", errno);
}

}  // namespace

void extract(const Archive& archive, const std::filesystem::path& dest_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dest = fs::absolute(dest_dir, ec);
  if (ec) dest = dest_dir;
  while (!dest.empty() && !dest.has_filename() && dest.has_parent_path() &&
         dest != dest.parent_path()) {
    dest = dest.parent_path();
  }
  if (fs::exists(fs::symlink_status(dest, ec))) {
    throw Error(ExitCode::kBadInput, fmt::format("extracting {}: destination {} already exists",
                                                 archive.name(), dest.string()));
  }
  fs::path parent = dest.parent_path();
  if (!fs::is_directory(parent, ec)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("extracting {}: parent directory {} does not exist", archive.name(),
                            parent.string()));
  }
  std::random_device rd;
  fs::path tmp;
  for (int attempt = 0;; ++attempt) {
    tmp = parent / fmt::format(".{}.tmp-{}-{:08x}", dest.filename().string(), ::getpid(), rd());
    if (fs::create_directory(tmp, ec) && !ec) break;
    if (attempt > 20) fail_io(tmp, "cannot create temporary directory", ec.value());
  }
  try {
    for (const auto& dir : archive.directories()) {
      fs::create_directories(tmp / dir, ec);
      if (ec) fail_io(tmp / dir, "cannot create directory", ec.value());
    }
    for (const auto& [name, data] : archive.members())
      write_file(tmp / name, data);
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
      int err = errno;
      if (err == EINVAL || err == ENOSYS) {
        if (fs::exists(fs::symlink_status(dest, ec)) ||
            std::rename(tmp.c_str(), dest.c_str()) != 0) {
          fail_io(dest, "cannot move the extracted tree into place", errno ? errno : EEXIST);
        }
      } else {
        fail_io(dest, "cannot move the extracted tree into place", err);
      }
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

void extract(const std::filesystem::path& tar, const std::filesystem::path& dest_dir,
             const ArchiveLimits& limits) {
  extract(Archive::read(tar, limits), dest_dir);
}

}  // namespace utvm::mlf
