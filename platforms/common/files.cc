#include "common/files.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "utvm/common/error.h"

namespace utvm::platforms {
namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.good()) throw Error(ExitCode::kFailure, fmt::format("cannot write {}", path.string()));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t max) {
  return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

void copy_tree(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) {
    throw Error(ExitCode::kFailure,
                fmt::format("utvm's files are missing: {} (broken installation?)", from.string()));
  }
  fs::create_directories(to.parent_path());
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace utvm::platforms
