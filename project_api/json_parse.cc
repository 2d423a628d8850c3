// parse_json(): a small, fast, Python-json.loads-compatible JSON parser (see python_json.h).
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "utvm/common/text.h"
#include "utvm/project_api/python_json.h"

namespace utvm::project_api {
namespace {

class Parser {
 public:
  Parser(std::string_view text, int max_depth)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth) {}

  bool parse(Json& out) {
    skip_ws();
    if (!value(out, 0)) return false;
    skip_ws();
    if (p_ != end_) return fail("extra data");
    return true;
  }
  std::string error() const {
    return error_ + " at byte " + std::to_string(static_cast<std::size_t>(err_pos_ - begin_));
  }

 private:
  bool fail(const char* what) {
    if (error_.empty()) {
      error_ = what;
      err_pos_ = p_;
    }
    return false;
  }
  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
      ++p_;
  }
  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (p_ >= end_) return fail("expecting value");
    switch (*p_) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        if (!literal("true")) return false;
        out = true;
        return true;
      case 'f':
        if (!literal("false")) return false;
        out = false;
        return true;
      case 'n':
        if (!literal("null")) return false;
        out = nullptr;
        return true;
      case 'N':
        if (!literal("NaN")) return false;
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
      case 'I':
        if (!literal("Infinity")) return false;
        out = std::numeric_limits<double>::infinity();
        return true;
      default:
        if (*p_ == '-' && end_ - p_ >= 9 && std::string_view(p_, 9) == "-Infinity") {
          p_ += 9;
          out = -std::numeric_limits<double>::infinity();
          return true;
        }
        return number(out);
    }
  }

  bool object(Json& out, int depth) {
    if (depth > max_depth_) return fail("nesting too deep");
    ++p_;  // '{'
    out = Json::object();
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ >= end_ || *p_ != '"')
        return fail("expecting property name enclosed in double quotes");
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (p_ >= end_ || *p_ != ':') return fail("expecting ':' delimiter");
      ++p_;
      skip_ws();
      Json v;
      if (!value(v, depth)) return false;
      out[key] = std::move(v);  // a repeated key keeps its position, takes the last value
      skip_ws();
      if (p_ >= end_) return fail("expecting ',' delimiter");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail("expecting ',' delimiter");
    }
  }

  bool array(Json& out, int depth) {
    if (depth > max_depth_) return fail("nesting too deep");
    ++p_;  // '['
    out = Json::array();
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      Json v;
      if (!value(v, depth)) return false;
      out.push_back(std::move(v));
      skip_ws();
      if (p_ >= end_) return fail("expecting ',' delimiter");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return fail("expecting ',' delimiter");
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(char32_t& v) {
    if (end_ - p_ < 4) return fail("invalid \\uXXXX escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p_[i]);
      if (h < 0) return fail("invalid \\uXXXX escape");
      v = (v << 4) | static_cast<char32_t>(h);
    }
    p_ += 4;
    return true;
  }
  // Length of the valid UTF-8 sequence at p_ (non-ASCII lead byte), or 0.
  std::size_t utf8_sequence() const {
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    auto cont = [&](std::size_t i) { return i < left && (u[i] & 0xC0) == 0x80; };
    const unsigned char b0 = u[0];
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (b0 == 0xE0 && u[1] < 0xA0) return 0;   // overlong
      if (b0 == 0xED && u[1] >= 0xA0) return 0;  // surrogates
      return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (b0 == 0xF0 && u[1] < 0x90) return 0;   // overlong
      if (b0 == 0xF4 && u[1] >= 0x90) return 0;  // > U+10FFFF
      return 4;
    }
    return 0;
  }

  bool string(std::string& out) {
    ++p_;  // opening quote
    for (;;) {
      const char* run = p_;
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++p_;
      }
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ >= end_) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail("invalid control character in string");
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence();
        if (n == 0) return fail("invalid UTF-8");
        out.append(p_, n);
        p_ += n;
        continue;
      }
      // Backslash escape.
      ++p_;
      if (p_ >= end_) return fail("unterminated string");
      const char e = *p_++;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          char32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            char32_t lo;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return fail("unpaired surrogate");
            }
            p_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --p_;
          return fail("invalid \\escape");
      }
    }
  }

  bool number(Json& out) {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') {
      p_ = start;
      return fail("expecting value");
    }
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
    }
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      const char* dot = p_++;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') {
        p_ = dot;  // Python: "1." is 1 followed by extra data
        return finish_number(start, false, out);
      }
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
      is_float = true;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      const char* e = p_++;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') {
        p_ = e;
        return finish_number(start, is_float, out);
      }
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
      is_float = true;
    }
    return finish_number(start, is_float, out);
  }

  bool finish_number(const char* start, bool is_float, Json& out) {
    if (!is_float) {
      if (*start == '-') {
        std::int64_t v;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) {
          out = v;
          return true;
        }
      } else {
        std::uint64_t v;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) {
          out = v;
          return true;
        }
      }
      // Out of 64-bit range: a double, like nlohmann.
    }
    double d;
    const auto r = std::from_chars(start, p_, d);
    if (r.ec == std::errc::result_out_of_range) {
      const std::string copy(start, p_);
      d = std::strtod(copy.c_str(), nullptr);  // ±inf or ±0 like Python's float()
    } else if (r.ec != std::errc() || r.ptr != p_) {
      return fail("invalid number");
    }
    out = d;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  int max_depth_;
  std::string error_;
  const char* err_pos_ = nullptr;
};

}  // namespace

std::optional<Json> parse_json(std::string_view text, std::string* error, int max_depth) {
  Parser parser(text, max_depth);
  Json out;
  if (!parser.parse(out)) {
    if (error) *error = parser.error();
    return std::nullopt;
  }
  return out;
}

}  // namespace utvm::project_api
