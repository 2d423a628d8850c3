// The .npy format (numpy/lib/format.py, "NEP 1"): magic, version, a Python dict literal header,
// then the raw array bytes.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

namespace utvm::npz {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw Error(ExitCode::kBadInput, std::string(where) + ": " + what);
}

struct DtypeInfo {
  std::string_view name;
  char kind;  // numpy kind letter
  std::uint64_t size;
};

constexpr std::array<DtypeInfo, 12> kDtypes = {{
    {"int8", 'i', 1},
    {"uint8", 'u', 1},
    {"int16", 'i', 2},
    {"uint16", 'u', 2},
    {"int32", 'i', 4},
    {"uint32", 'u', 4},
    {"int64", 'i', 8},
    {"uint64", 'u', 8},
    {"float16", 'f', 2},
    {"float32", 'f', 4},
    {"float64", 'f', 8},
    {"bool", 'b', 1},
}};

const DtypeInfo& find_dtype(std::string_view dtype) {
  for (const auto& info : kDtypes) {
    if (info.name == dtype) return info;
  }
  throw Error(ExitCode::kBadInput, "unsupported dtype '" + std::string(dtype) + "'");
}

// ---- A parser for the small subset of Python literals an .npy header uses. ----

struct Value {
  enum Kind { kString, kBool, kTuple, kInt, kOther } kind = kOther;
  std::string text;                    // kString
  bool flag = false;                   // kBool
  std::vector<std::int64_t> integers;  // kTuple
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view where) : s_(text), where_(where) {}

  // Parses "{key: value, ...}" and calls on_entry(key, value) for each entry.
  template <typename F>
  void parse_dict(F&& on_entry) {
    skip_space();
    expect('{');
    skip_space();
    while (!at('}')) {
      std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      Value value = parse_value();
      on_entry(key, value);
      skip_space();
      if (at(',')) {
        ++pos_;
        skip_space();
      } else if (!at('}')) {
        bad("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) bad("unexpected text after the header dict");
  }

 private:
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void expect(char c) {
    if (!at(c)) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  [[noreturn]] void bad(const std::string& what) const {
    fail(where_, "bad .npy header: " + what + " at offset " + std::to_string(pos_) + " in \"" +
                     std::string(s_.substr(0, 200)) + "\"");
  }

  std::string parse_string() {
    if (!at('\'') && !at('"')) bad("expected a string");
    char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') {
        ++pos_;
        if (pos_ >= s_.size()) break;
      }
      out.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) bad("unterminated string");
    ++pos_;
    return out;
  }

  std::int64_t parse_int() {
    std::size_t start = pos_;
    std::uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      std::uint64_t digit = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (v > (static_cast<std::uint64_t>(INT64_MAX) - digit) / 10) bad("integer too large");
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) bad("expected a non-negative integer");
    if (at('L') || at('l')) ++pos_;  // Python 2 long suffix
    return static_cast<std::int64_t>(v);
  }

  Value parse_value() {
    Value v;
    if (at('\'') || at('"')) {
      v.kind = Value::kString;
      v.text = parse_string();
    } else if (s_.substr(pos_, 4) == "True") {
      v.kind = Value::kBool;
      v.flag = true;
      pos_ += 4;
    } else if (s_.substr(pos_, 5) == "False") {
      v.kind = Value::kBool;
      pos_ += 5;
    } else if (at('(')) {
      v.kind = Value::kTuple;
      ++pos_;
      skip_space();
      while (!at(')')) {
        v.integers.push_back(parse_int());
        skip_space();
        if (at(',')) {
          ++pos_;
          skip_space();
        } else if (!at(')')) {
          bad("expected ',' or ')' in the shape");
        }
      }
      ++pos_;
    } else if (at('[')) {
      // A structured dtype (list of fields): skip it, balanced, and let the caller reject it.
      int depth = 0;
      do {
        if (at('\'') || at('"')) {
          parse_string();
          continue;
        }
        if (pos_ >= s_.size()) bad("unterminated list");
        if (s_[pos_] == '[' || s_[pos_] == '(') ++depth;
        if (s_[pos_] == ']' || s_[pos_] == ')') --depth;
        ++pos_;
      } while (depth > 0);
    } else if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      v.kind = Value::kInt;
      v.integers.push_back(parse_int());
    } else {
      bad("unexpected value");
    }
    return v;
  }

  std::string_view s_;
  std::string_view where_;
  std::size_t pos_ = 0;
};

// "<f4" -> ("float32", needs byte swap?).
std::pair<std::string, bool> parse_descr(std::string_view descr, std::string_view where) {
  if (descr.empty()) fail(where, "empty dtype descr");
  char order = '=';
  if (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') {
    order = descr[0];
    descr.remove_prefix(1);
  }
  if (descr.size() < 2) fail(where, "unsupported dtype descr '" + std::string(descr) + "'");
  char kind = descr[0];
  std::string_view digits = descr.substr(1);
  std::uint64_t size = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || size > 1000) {
      fail(where, "unsupported dtype descr '" + std::string(descr) + "'");
    }
    size = size * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (kind == '?') kind = 'b';
  for (const auto& info : kDtypes) {
    if (info.kind == kind && info.size == size) {
      bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
      return {std::string(info.name), big && size > 1};
    }
  }
  fail(where, "unsupported dtype descr '" + std::string(descr) +
                  "' (supported: int8..int64, uint8..uint64, float16/32/64, bool)");
}

std::uint64_t le_read(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint64_t Array::element_count() const {
  std::uint64_t n = 1;
  for (auto d : shape)
    n *= static_cast<std::uint64_t>(d);
  return n;
}

std::string numpy_descr(std::string_view dtype) {
  const DtypeInfo& info = find_dtype(dtype);
  std::string out(1, info.size == 1 ? '|' : '<');
  out += info.kind;
  out += std::to_string(info.size);
  return out;
}

std::uint64_t dtype_size(std::string_view dtype) {
  return find_dtype(dtype).size;
}

Array read_npy(std::string_view bytes, std::string_view name_for_errors) {
  const std::string_view where = name_for_errors;
  static constexpr std::string_view kMagic = "\x93NUMPY";
  if (bytes.size() < 10)
    fail(where, "truncated .npy file (" + std::to_string(bytes.size()) + " B)");
  if (bytes.substr(0, 6) != kMagic) fail(where, "not an .npy file (bad magic)");
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  int major = u[6];
  std::uint64_t header_len = 0;
  std::size_t header_start = 0;
  if (major == 1) {
    header_len = le_read(u + 8, 2);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(where, "truncated .npy header");
    header_len = le_read(u + 8, 4);
    header_start = 12;
  } else {
    fail(where,
         "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(u[7]));
  }
  if (header_len > bytes.size() - header_start) {
    fail(where, "truncated .npy header (needs " + std::to_string(header_len) + " B, file has " +
                    std::to_string(bytes.size() - header_start) + ")");
  }
  std::string_view header = bytes.substr(header_start, header_len);

  bool have_descr = false, have_order = false, have_shape = false;
  std::string descr;
  bool fortran = false;
  std::vector<std::int64_t> shape;
  HeaderParser(header, where).parse_dict([&](const std::string& key, const Value& v) {
    if (key == "descr") {
      if (v.kind != Value::kString)
        fail(where, "unsupported dtype (structured or non-string descr)");
      descr = v.text;
      have_descr = true;
    } else if (key == "fortran_order") {
      if (v.kind != Value::kBool) fail(where, "bad .npy header: fortran_order is not a bool");
      fortran = v.flag;
      have_order = true;
    } else if (key == "shape") {
      if (v.kind != Value::kTuple) fail(where, "bad .npy header: shape is not a tuple");
      shape = v.integers;
      have_shape = true;
    } else {
      fail(where, "bad .npy header: unexpected key '" + key + "'");
    }
  });
  if (!have_descr || !have_order || !have_shape) {
    fail(where, "bad .npy header: needs 'descr', 'fortran_order' and 'shape'");
  }
  auto [dtype, swap] = parse_descr(descr, where);
  const std::uint64_t item = dtype_size(dtype);

  std::string_view body = bytes.substr(header_start + header_len);
  std::uint64_t count = 1;
  for (auto d : shape) {
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count)) {
      fail(where, "shape is too large");
    }
  }
  std::uint64_t need = 0;
  if (__builtin_mul_overflow(count, item, &need)) fail(where, "shape is too large");
  if (body.size() != need) {
    fail(where, std::string(body.size() < need ? "truncated data" : "data size mismatch") +
                    ": shape and dtype " + dtype + " need " + std::to_string(need) +
                    " B, the file holds " + std::to_string(body.size()) + " B");
  }

  Array out;
  out.dtype = std::move(dtype);
  out.shape = std::move(shape);
  out.data.assign(body.data(), body.size());
  if (swap) {
    for (std::uint64_t off = 0; off + item <= out.data.size(); off += item) {
      std::reverse(out.data.begin() + static_cast<std::ptrdiff_t>(off),
                   out.data.begin() + static_cast<std::ptrdiff_t>(off + item));
    }
  }
  if (fortran && out.shape.size() > 1 && count > 1) {
    // Walk the C-order index, tracking the Fortran-order offset of the same element.
    const std::size_t nd = out.shape.size();
    std::vector<std::uint64_t> fstride(nd);
    std::uint64_t s = 1;
    for (std::size_t k = 0; k < nd; ++k) {
      fstride[k] = s;
      s *= static_cast<std::uint64_t>(out.shape[k]);
    }
    std::vector<std::int64_t> idx(nd, 0);
    std::string c_order(out.data.size(), '\0');
    std::uint64_t f_off = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      std::memcpy(&c_order[i * item], &out.data[f_off * item], item);
      for (std::size_t k = nd; k-- > 0;) {
        if (++idx[k] < out.shape[k]) {
          f_off += fstride[k];
          break;
        }
        f_off -= fstride[k] * static_cast<std::uint64_t>(idx[k] - 1);
        idx[k] = 0;
      }
    }
    out.data = std::move(c_order);
  }
  return out;
}

std::string write_npy(const Array& array) {
  const std::uint64_t item = dtype_size(array.dtype);
  std::uint64_t count = 1;
  for (auto d : array.shape) {
    if (d < 0) throw Error(ExitCode::kBadInput, "write_npy: negative dimension in shape");
    count *= static_cast<std::uint64_t>(d);
  }
  if (count * item != array.data.size()) {
    throw Error(ExitCode::kBadInput, "write_npy: data size mismatch: shape and dtype " +
                                         array.dtype + " need " + std::to_string(count * item) +
                                         " B, the array holds " +
                                         std::to_string(array.data.size()) + " B");
  }
  // Same text numpy.lib.format writes: sorted keys, Python reprs, spare room for the first axis
  // to grow, then space padding so the data starts at a multiple of 64.
  std::string shape = "(";
  for (std::size_t i = 0; i < array.shape.size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(array.shape[i]);
  }
  if (array.shape.size() == 1) shape += ",";
  shape += ")";
  std::string header = "{'descr': '" + numpy_descr(array.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  constexpr std::size_t kGrowthAxisMaxDigits = 21;
  if (!array.shape.empty()) {
    header.append(kGrowthAxisMaxDigits - std::to_string(array.shape[0]).size(), ' ');
  }
  constexpr std::size_t kAlign = 64;
  std::string out;
  for (int version : {1, 2}) {
    const std::size_t prefix = version == 1 ? 10 : 12;
    const std::size_t pad = kAlign - ((prefix + header.size() + 1) % kAlign);
    const std::uint64_t hlen = header.size() + pad + 1;
    if (version == 1 && hlen > 0xFFFF) continue;
    out.reserve(prefix + hlen + array.data.size());
    out.append("\x93NUMPY", 6);
    out.push_back(static_cast<char>(version));
    out.push_back('\0');
    for (std::size_t i = 0; i < prefix - 8; ++i)
      out.push_back(static_cast<char>(hlen >> (8 * i)));
    out += header;
    out.append(pad, ' ');
    out.push_back('\n');
    break;
  }
  out += array.data;
  return out;
}

}  // namespace utvm::npz
