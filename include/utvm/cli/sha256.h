// SHA-256 (FIPS 180-4) content digests, e.g. the MLF digest recorded in utvm-project.json and
// compared by later steps; computed by nettle.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nettle/sha2.h>

namespace utvm::cli {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<std::uint8_t, 32> finish();  // the object must not be updated afterwards
  std::string finish_hex();

 private:
  sha256_ctx ctx_;
};

std::string sha256_hex(std::string_view data);
// Digest of a whole file; throws utvm::Error(kBadInput) naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace utvm::cli
