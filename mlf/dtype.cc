// TVM dtype strings <-> DLDataType-like triples.
#include "utvm/mlf/dtype.h"

#include <fmt/core.h>

#include <charconv>

#include "utvm/common/error.h"

namespace utvm::mlf {
namespace {

[[noreturn]] void bad(std::string_view dtype) {
  throw Error(ExitCode::kBadInput, fmt::format("unknown dtype '{}'", dtype));
}

bool parse_uint(std::string_view s, unsigned& out) {
  if (s.empty() || s.size() > 5) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

DType parse_dtype(std::string_view dtype) {
  std::string_view s = dtype;
  DType out;
  // Optional lanes suffix "x4".
  if (auto x = s.rfind('x'); x != std::string_view::npos && x + 1 < s.size()) {
    unsigned lanes = 0;
    if (parse_uint(s.substr(x + 1), lanes)) {
      if (lanes == 0 || lanes > 65535) bad(dtype);
      out.lanes = static_cast<std::uint16_t>(lanes);
      s = s.substr(0, x);
    }
  }
  if (s == "bool") {
    out.code = 1;
    out.bits = 1;
    return out;
  }
  if (s == "handle") {
    out.code = 3;
    out.bits = 64;
    return out;
  }
  struct Prefix {
    std::string_view name;
    std::uint8_t code;
  };
  // Longest prefixes first ("uint" before "int", "bfloat" before "float").
  static constexpr Prefix kPrefixes[] = {{"uint", 1}, {"int", 0}, {"bfloat", 4}, {"float", 2}};
  for (const auto& p : kPrefixes) {
    if (s.substr(0, p.name.size()) != p.name) continue;
    unsigned bits = 0;
    if (!parse_uint(s.substr(p.name.size()), bits)) bad(dtype);
    bool ok = bits == 8 || bits == 16 || bits == 32 || bits == 64 || (p.code <= 1 && bits == 1) ||
              (p.code <= 1 && bits == 4);
    if (p.code == 4) ok = bits == 16;
    if (!ok) bad(dtype);
    out.code = p.code;
    out.bits = static_cast<std::uint8_t>(bits);
    return out;
  }
  bad(dtype);
}

std::string dtype_name(const DType& dtype) {
  std::string base;
  switch (dtype.code) {
    case 0:
      base = fmt::format("int{}", dtype.bits);
      break;
    case 1:
      base = dtype.bits == 1 ? std::string("bool") : fmt::format("uint{}", dtype.bits);
      break;
    case 2:
      base = fmt::format("float{}", dtype.bits);
      break;
    case 3:
      base = "handle";
      break;
    case 4:
      base = fmt::format("bfloat{}", dtype.bits);
      break;
    case 6:
      base = "bool";
      break;
    default:
      throw Error(ExitCode::kBadInput,
                  fmt::format("unknown dtype code {} (bits {})", dtype.code, dtype.bits));
  }
  if (dtype.lanes != 1) base += fmt::format("x{}", dtype.lanes);
  return base;
}

std::uint64_t dtype_bytes(std::string_view dtype) {
  DType t = parse_dtype(dtype);
  return (static_cast<std::uint64_t>(t.bits) * t.lanes + 7) / 8;
}

}  // namespace utvm::mlf
