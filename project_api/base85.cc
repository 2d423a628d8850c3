// base85 (Python b85encode/b85decode). Hot path: every transport byte goes through here, so the
// loops work on whole 4-byte/5-char groups with lookup tables and write into pre-sized buffers.
#include "utvm/project_api/base85.h"

#include <array>
#include <cstring>

#include "utvm/common/error.h"

namespace utvm::project_api {
namespace {

constexpr char kAlphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
static_assert(sizeof(kAlphabet) == 86);

constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t)
    v = kInvalid;
  for (int i = 0; i < 85; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}
constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

// All 85*85 two-digit strings: a group then needs two divisions instead of four.
struct PairTable {
  char pairs[85 * 85][2];
  constexpr PairTable() : pairs() {
    for (int i = 0; i < 85 * 85; ++i) {
      pairs[i][0] = kAlphabet[i / 85];
      pairs[i][1] = kAlphabet[i % 85];
    }
  }
};
constexpr PairTable kPairs;

inline void encode_group(std::uint32_t v, char* out) {
  const std::uint32_t low = v % 7225, high = v / 7225;
  out[0] = kAlphabet[high / 7225];  // < 83 since 2^32 / 85^4 < 83
  std::memcpy(out + 1, kPairs.pairs[high % 7225], 2);
  std::memcpy(out + 3, kPairs.pairs[low], 2);
}

[[noreturn]] void bad_character(std::string_view text, std::size_t group_start) {
  std::size_t pos = group_start;
  while (pos < text.size() && kDecode[static_cast<unsigned char>(text[pos])] != kInvalid)
    ++pos;
  throw utvm::Error(ExitCode::kServerError,
                    "bad base85 character at position " + std::to_string(pos));
}

[[noreturn]] void overflow(std::size_t group_start) {
  throw utvm::Error(ExitCode::kServerError,
                    "base85 overflow in hunk starting at byte " + std::to_string(group_start));
}

inline std::uint64_t decode_group(const unsigned char* p, std::string_view text,
                                  std::size_t group_start) {
  const std::uint8_t d0 = kDecode[p[0]], d1 = kDecode[p[1]], d2 = kDecode[p[2]], d3 = kDecode[p[3]],
                     d4 = kDecode[p[4]];
  if ((d0 | d1 | d2 | d3 | d4) & 0x80) bad_character(text, group_start);
  const std::uint64_t v = (((std::uint64_t{d0} * 85 + d1) * 85 + d2) * 85 + d3) * 85 + d4;
  if (v > 0xFFFFFFFFull) overflow(group_start);
  return v;
}

}  // namespace

void b85encode_append(std::span<const std::uint8_t> data, std::string& out) {
  const std::size_t full = data.size() / 4, rem = data.size() % 4;
  const std::size_t old = out.size();
  out.resize(old + full * 5 + (rem ? rem + 1 : 0));
  char* dst = out.data() + old;
  const std::uint8_t* src = data.data();
  for (std::size_t i = 0; i < full; ++i, src += 4, dst += 5) {
    const std::uint32_t v = (std::uint32_t{src[0]} << 24) | (std::uint32_t{src[1]} << 16) |
                            (std::uint32_t{src[2]} << 8) | std::uint32_t{src[3]};
    encode_group(v, dst);
  }
  if (rem) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
      v = (v << 8) | (i < rem ? src[i] : 0u);
    char tmp[5];
    encode_group(v, tmp);
    std::memcpy(dst, tmp, rem + 1);
  }
}

std::string b85encode(std::span<const std::uint8_t> data) {
  std::string out;
  b85encode_append(data, out);
  return out;
}

void b85decode_append(std::string_view text, std::vector<std::uint8_t>& out) {
  const std::size_t full = text.size() / 5, rem = text.size() % 5;
  const std::size_t old = out.size();
  // A single leftover character decodes to nothing (Python pads it to a group and drops 4 bytes).
  const std::size_t tail_bytes = rem ? rem - 1 : 0;
  out.resize(old + full * 4 + tail_bytes);
  std::uint8_t* dst = out.data() + old;
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < full; ++i, src += 5, dst += 4) {
    const auto v = static_cast<std::uint32_t>(decode_group(src, text, i * 5));
    dst[0] = static_cast<std::uint8_t>(v >> 24);
    dst[1] = static_cast<std::uint8_t>(v >> 16);
    dst[2] = static_cast<std::uint8_t>(v >> 8);
    dst[3] = static_cast<std::uint8_t>(v);
  }
  if (rem) {
    unsigned char group[5];
    for (std::size_t i = 0; i < 5; ++i)
      group[i] = i < rem ? src[i] : '~';
    const auto v = static_cast<std::uint32_t>(decode_group(group, text, full * 5));
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(v >> 24),
                                   static_cast<std::uint8_t>(v >> 16),
                                   static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    // A lone leftover character adds no bytes; the output may then be empty (dst null).
    if (tail_bytes) std::memcpy(dst, bytes, tail_bytes);
  }
}

std::vector<std::uint8_t> b85decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  b85decode_append(text, out);
  return out;
}

}  // namespace utvm::project_api
