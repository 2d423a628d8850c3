// SHA-256 digests through nettle (Debian's libnettle).
#include "utvm/cli/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "utvm/common/error.h"

namespace utvm::cli {

Sha256::Sha256() {
  sha256_init(&ctx_);
}

void Sha256::update(const void* data, std::size_t size) {
  sha256_update(&ctx_, size, static_cast<const std::uint8_t*>(data));
}

std::array<std::uint8_t, 32> Sha256::finish() {
  std::array<std::uint8_t, 32> out;
  sha256_digest(&ctx_, out.size(), out.data());
  return out;
}

std::string Sha256::finish_hex() {
  static const char kHex[] = "0123456789abcdef";
  const auto d = finish();
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish_hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ExitCode::kBadInput,
                "cannot read " + path.string() + " to compute its digest: " + std::strerror(errno));
  }
  Sha256 h;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw Error(ExitCode::kBadInput,
                  "reading " + path.string() + " to compute its digest: " + std::strerror(err));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return h.finish_hex();
}

}  // namespace utvm::cli
