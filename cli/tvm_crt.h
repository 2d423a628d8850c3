// TVM's standalone CRT for create-project with a template that is not utvm's own.
//
// generate_project's `standalone_crt_dir` is TVM's standalone C runtime; TVM's own templates
// (host/CRT, Zephyr, Arduino) copy it into the project and build the model against it. utvm's
// built-in platforms bring their own runtime and get utvm's device sources instead; every other
// template gets TVM's CRT from, in this order:
//   1. --standalone-crt-dir DIR (an explicit choice on the command line),
//   2. the MLF archive's bundled ./runtime (TVM writes the CRT into AOT archives for crt), which
//      is extracted to a temporary directory that lives as long as the TvmCrt,
//   3. $TVM_CRT_DIR.
// With none, or with a directory that is not a standalone CRT, resolve() throws
// utvm::Error(kOption) saying which of them to give.
#pragma once

#include <filesystem>
#include <string>

namespace utvm::cli {

class TvmCrt {
 public:
  // `flag_dir` is --standalone-crt-dir (empty when not given); `mlf` the archive (absolute).
  static TvmCrt resolve(const std::filesystem::path& mlf, const std::filesystem::path& flag_dir);

  TvmCrt(TvmCrt&& other) noexcept;
  TvmCrt& operator=(TvmCrt&&) = delete;
  TvmCrt(const TvmCrt&) = delete;
  ~TvmCrt();  // removes the extracted ./runtime, if any

  const std::filesystem::path& dir() const { return dir_; }
  // Where it came from, for messages: "--standalone-crt-dir", "the archive's ./runtime",
  // "$TVM_CRT_DIR".
  const std::string& source() const { return source_; }

 private:
  TvmCrt(std::filesystem::path dir, std::string source, std::filesystem::path scratch);

  std::filesystem::path dir_;
  std::string source_;
  std::filesystem::path scratch_;  // the temporary directory to remove (empty: none)
};

// Throws utvm::Error(kOption) naming `source` when `dir` does not look like TVM's standalone CRT
// (it needs include/tvm/runtime/c_runtime_api.h and src/runtime/crt/).
void check_standalone_crt(const std::filesystem::path& dir, const std::string& source);

}  // namespace utvm::cli
