#include "utvm/common/install_layout.h"

#include <cstdlib>

namespace utvm::install {
namespace fs = std::filesystem;

fs::path self_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("utvm") : exe;
}

fs::path bin_dir() {
  return self_executable().parent_path();
}

fs::path data_dir() {
  if (const char* env = std::getenv("UTVM_DATA_DIR"); env != nullptr && *env != '\0') {
    std::error_code ec;
    fs::path abs = fs::absolute(env, ec);
    return (ec ? fs::path(env) : abs).lexically_normal();
  }
  return (bin_dir().parent_path() / "share" / "utvm").lexically_normal();
}

fs::path platforms_dir() {
  return data_dir() / "platforms";
}

fs::path device_sources_dir() {
  return data_dir() / "device";
}

bool is_device_runtime(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "include" / "utvm" / "link.h", ec) &&
         fs::is_directory(dir / "src", ec);
}

fs::path device_runtime(const fs::path& standalone_crt_dir, const fs::path& fallback) {
  return is_device_runtime(standalone_crt_dir) ? standalone_crt_dir : fallback;
}

}  // namespace utvm::install
