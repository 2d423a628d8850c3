#include "tvm_crt.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include <fmt/core.h>

#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kHowToGive =
    "give TVM's standalone CRT with --standalone-crt-dir DIR or $TVM_CRT_DIR (the "
    "standalone_crt directory of a TVM build, e.g. build/standalone_crt), or use an MLF that "
    "bundles it in ./runtime (TVM adds it to AOT exports for Runtime(\"crt\"))";

// The archive's runtime/ members, or nothing when it has none or cannot be read (the template
// reports an unreadable archive itself).
std::optional<mlf::Archive> archive_with_runtime(const fs::path& mlf) {
  try {
    mlf::Archive archive = mlf::Archive::read(mlf);
    if (archive.list("runtime").empty()) return std::nullopt;
    return archive;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Writes the archive's runtime/ tree under a fresh temporary directory; returns that directory.
fs::path extract_runtime(const mlf::Archive& archive, const fs::path& mlf) {
  std::string pattern = (fs::temp_directory_path() / "utvm-tvm-crt-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(ExitCode::kFailure, fmt::format("cannot create a temporary directory in {} for "
                                                "the ./runtime of {}",
                                                fs::temp_directory_path().string(), mlf.string()));
  }
  fs::path scratch = pattern;
  try {
    for (const auto& d : archive.directories()) {  // empty ones too, as tar would
      if (d == "runtime" || d.rfind("runtime/", 0) == 0) fs::create_directories(scratch / d);
    }
    for (const auto& name : archive.list("runtime")) {
      const std::string* data = archive.find(name);
      if (!data) continue;
      const fs::path out = scratch / name;
      fs::create_directories(out.parent_path());
      std::ofstream f(out, std::ios::binary);
      f.write(data->data(), static_cast<std::streamsize>(data->size()));
      if (!f.good()) {
        throw Error(ExitCode::kFailure, fmt::format("cannot write {}", out.string()));
      }
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    throw;
  }
  return scratch;
}

}  // namespace

void check_standalone_crt(const fs::path& dir, const std::string& source) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ExitCode::kOption,
                fmt::format("{}: {} is not a directory; {}", source, dir.string(), kHowToGive));
  }
  for (const char* need : {"include/tvm/runtime/c_runtime_api.h", "src/runtime/crt"}) {
    if (!fs::exists(dir / need, ec)) {
      throw Error(ExitCode::kOption,
                  fmt::format("{}: {} is not TVM's standalone CRT (it has no {}); {}", source,
                              dir.string(), need, kHowToGive));
    }
  }
}

TvmCrt TvmCrt::resolve(const fs::path& mlf, const fs::path& flag_dir) {
  if (!flag_dir.empty()) {
    const fs::path dir = fs::absolute(flag_dir).lexically_normal();
    check_standalone_crt(dir, "--standalone-crt-dir");
    return TvmCrt(dir, "--standalone-crt-dir", {});
  }
  if (auto archive = archive_with_runtime(mlf)) {
    const std::string source = fmt::format("the ./runtime bundled in {}", mlf.string());
    fs::path scratch = extract_runtime(*archive, mlf);
    TvmCrt crt(scratch / "runtime", source, scratch);  // removes scratch if the check throws
    check_standalone_crt(crt.dir(), source);
    return crt;
  }
  if (const char* env = std::getenv("TVM_CRT_DIR"); env && *env) {
    const fs::path dir = fs::absolute(env).lexically_normal();
    check_standalone_crt(dir, "$TVM_CRT_DIR");
    return TvmCrt(dir, "$TVM_CRT_DIR", {});
  }
  throw Error(ExitCode::kOption,
              fmt::format("this template is not one of utvm's platforms, so it needs TVM's "
                          "standalone CRT (generate_project's standalone_crt_dir), and {} bundles "
                          "none: {}",
                          mlf.string(), kHowToGive));
}

TvmCrt::TvmCrt(fs::path dir, std::string source, fs::path scratch)
    : dir_(std::move(dir)), source_(std::move(source)), scratch_(std::move(scratch)) {}

TvmCrt::TvmCrt(TvmCrt&& other) noexcept
    : dir_(std::move(other.dir_)),
      source_(std::move(other.source_)),
      scratch_(std::exchange(other.scratch_, fs::path())) {}

TvmCrt::~TvmCrt() {
  if (scratch_.empty()) return;
  std::error_code ec;
  fs::remove_all(scratch_, ec);
}

}  // namespace utvm::cli
