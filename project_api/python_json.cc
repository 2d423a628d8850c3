// CPython-compatible JSON text (json.dumps defaults) and repr() of decoded JSON values.
#include "utvm/project_api/python_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "utvm/common/text.h"

namespace utvm::project_api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i. Invalid or truncated
// sequences yield U+FFFD and consume one byte (never throws: C++ strings may hold anything).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    const int c1 = cont(1);
    if (c1 >= 0) {
      i += 2;
      return (char32_t(b0 & 0x1F) << 6) | char32_t(c1);
    }
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    const int c1 = cont(1), c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      const char32_t cp = (char32_t(b0 & 0x0F) << 12) | (char32_t(c1) << 6) | char32_t(c2);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
        i += 3;
        return cp;
      }
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    const int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      const char32_t cp =
          (char32_t(b0 & 0x07) << 18) | (char32_t(c1) << 12) | (char32_t(c2) << 6) | char32_t(c3);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        i += 4;
        return cp;
      }
    }
  }
  ++i;
  return 0xFFFD;
}

void append_u4(std::string& out, char32_t v) {
  out += "\\u";
  out += kHex[(v >> 12) & 0xF];
  out += kHex[(v >> 8) & 0xF];
  out += kHex[(v >> 4) & 0xF];
  out += kHex[v & 0xF];
}

// json.dumps(ensure_ascii=True) string body: printable ASCII (0x20..0x7e) verbatim except '"' and
// '\'; \b \f \n \r \t; everything else \u00XX or \uXXXX (surrogate pairs above U+FFFF).
void json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Fast run of plain characters.
    std::size_t j = i;
    while (j < s.size()) {
      const auto c = static_cast<unsigned char>(s[j]);
      if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
      ++j;
    }
    out.append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    const char32_t cp = next_code_point(s, i);
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      append_u4(out, 0xD800 | (v >> 10));
      append_u4(out, 0xDC00 | (v & 0x3FF));
    } else {
      append_u4(out, cp);
    }
  }
  out += '"';
}

bool repr_printable(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp < 0x7F) return true;
  if (cp <= 0xA0 || cp == 0xAD) return false;  // C1 controls, NBSP, soft hyphen
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || (cp >= 0x200B && cp <= 0x200F)) return false;
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;  // private use
  if ((cp & 0xFFFE) == 0xFFFE) return false;       // non-characters
  return true;
}

// repr(str): single quotes unless the text has ' and no ".
void append_repr_string(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out += quote;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
      ++i;
      continue;
    }
    if (c == '\r') {
      out += "\\r";
      ++i;
      continue;
    }
    if (c == '\t') {
      out += "\\t";
      ++i;
      continue;
    }
    const char32_t cp = next_code_point(s, i);
    if (repr_printable(cp)) {
      append_utf8(out, cp);
    } else if (cp < 0x100) {
      out += "\\x";
      out += kHex[(cp >> 4) & 0xF];
      out += kHex[cp & 0xF];
    } else if (cp < 0x10000) {
      append_u4(out, cp);
    } else {
      out += "\\U";
      for (int shift = 28; shift >= 0; shift -= 4)
        out += kHex[(cp >> shift) & 0xF];
    }
  }
  out += quote;
}

template <class J>
void dump_value(const J& v, std::string& out) {
  using nlohmann::detail::value_t;
  switch (v.type()) {
    case value_t::null:
    case value_t::discarded:
      out += "null";
      return;
    case value_t::boolean:
      out += v.template get<bool>() ? "true" : "false";
      return;
    case value_t::number_integer: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.template get<std::int64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case value_t::number_unsigned: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.template get<std::uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case value_t::number_float:
      out += python_float_repr(v.template get<double>(), /*json_style=*/true);
      return;
    case value_t::string:
      json_string(out, v.template get_ref<const typename J::string_t&>());
      return;
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        dump_value(e, out);
      }
      out += ']';
      return;
    }
    case value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        json_string(out, it.key());
        out += ": ";
        dump_value(it.value(), out);
      }
      out += '}';
      return;
    }
    case value_t::binary: {
      // Not produced by JSON parsing; written as an array of byte values like nlohmann does.
      out += '[';
      bool first = true;
      for (auto b : v.get_binary()) {
        if (!first) out += ", ";
        first = false;
        out += std::to_string(static_cast<unsigned>(b));
      }
      out += ']';
      return;
    }
  }
}

template <class J>
void repr_value(const J& v, std::string& out) {
  using nlohmann::detail::value_t;
  switch (v.type()) {
    case value_t::null:
    case value_t::discarded:
      out += "None";
      return;
    case value_t::boolean:
      out += v.template get<bool>() ? "True" : "False";
      return;
    case value_t::number_integer:
    case value_t::number_unsigned:
    case value_t::binary:
      dump_value(v, out);
      return;
    case value_t::number_float:
      out += python_float_repr(v.template get<double>(), /*json_style=*/false);
      return;
    case value_t::string:
      append_repr_string(out, v.template get_ref<const typename J::string_t&>());
      return;
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        repr_value(e, out);
      }
      out += ']';
      return;
    }
    case value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        append_repr_string(out, it.key());
        out += ": ";
        repr_value(it.value(), out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string python_float_repr(double value, bool json_style) {
  if (std::isnan(value)) return json_style ? "NaN" : "nan";
  if (std::isinf(value)) {
    if (json_style) return value < 0 ? "-Infinity" : "Infinity";
    return value < 0 ? "-inf" : "inf";
  }
  std::string out;
  if (std::signbit(value)) out += '-';
  const double mag = std::fabs(value);
  if (mag == 0.0) return out + "0.0";
  // Shortest round-trip digits in scientific form: d[.ddd]e[+-]XX.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, mag, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (std::size_t i = 0; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exp10 = 0;
  std::from_chars(sci.data() + epos + (sci[epos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
  const int nd = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    const int e = decpt - 1;
    out += e < 0 ? '-' : '+';
    const int ae = e < 0 ? -e : e;
    if (ae < 10) out += '0';
    out += std::to_string(ae);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= nd) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - nd), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<std::size_t>(decpt), std::string::npos);
  }
  return out;
}

void dump_ascii_json_append(const Json& value, std::string& out) {
  dump_value(value, out);
}

void dump_ascii_json_append(const nlohmann::json& value, std::string& out) {
  dump_value(value, out);
}

void append_json_string(std::string& out, std::string_view text) {
  json_string(out, text);
}

std::string dump_ascii_json(const Json& value) {
  std::string out;
  dump_value(value, out);
  return out;
}

std::string dump_ascii_json(const nlohmann::json& value) {
  std::string out;
  dump_value(value, out);
  return out;
}

std::string python_repr(const Json& value) {
  std::string out;
  repr_value(value, out);
  return out;
}

std::string python_repr(const nlohmann::json& value) {
  std::string out;
  repr_value(value, out);
  return out;
}

}  // namespace utvm::project_api
