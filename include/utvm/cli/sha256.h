// SHA-256 (FIPS 180-4) for content digests, e.g. the MLF digest recorded in utvm-project.json.
// Small and dependency-free; not meant for secrets (no constant-time guarantees needed here).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace utvm::cli {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<std::uint8_t, 32> finish();  // the object must not be updated afterwards
  std::string finish_hex();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_;
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);
// Digest of a whole file; throws utvm::Error(kBadInput) naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace utvm::cli
