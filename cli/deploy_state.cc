#include "deploy_state.h"

#include <fstream>
#include <system_error>

#include <fmt/core.h>

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

fs::path stamp_path(const fs::path& dir) {
  return dir / "build" / ".utvm-deployed";
}

// Entries at the top of a project that are not its sources: build output and utvm's own files.
bool is_bookkeeping(const fs::path& name) {
  return name == "build" || name == ".utvm" || name == ".utvm-lock";
}

}  // namespace

std::optional<std::string> why_stale(const fs::path& dir) {
  std::error_code ec;
  const auto stamp = fs::last_write_time(stamp_path(dir), ec);
  if (ec) return std::string("it has not been built and flashed since it was made or last built");
  for (const auto& top : fs::directory_iterator(dir, ec)) {
    if (is_bookkeeping(top.path().filename())) continue;
    auto check = [&](const fs::directory_entry& e) -> std::optional<std::string> {
      std::error_code e2;
      if (!e.is_regular_file(e2)) return std::nullopt;
      const auto t = e.last_write_time(e2);
      if (!e2 && t > stamp) {
        return fmt::format("{} changed since it was last flashed",
                           fs::relative(e.path(), dir, e2).string());
      }
      return std::nullopt;
    };
    if (auto why = check(top)) return why;
    if (!top.is_directory(ec) || top.is_symlink(ec)) continue;
    for (fs::recursive_directory_iterator it(top.path(), ec), end; !ec && it != end;
         it.increment(ec)) {
      if (auto why = check(*it)) return why;
    }
  }
  return std::nullopt;
}

void mark_deployed(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir / "build", ec)) return;
  std::ofstream(stamp_path(dir), std::ios::trunc) << "flashed by utvm\n";
}

void clear_deployed(const fs::path& dir) {
  std::error_code ec;
  fs::remove(stamp_path(dir), ec);
}

}  // namespace utvm::cli
