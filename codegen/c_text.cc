#include "c_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

#include "utvm/common/error.h"

namespace utvm::codegen::detail {

const char* const kAlignMacro =
    "#if defined(__GNUC__) || defined(__clang__)\n"
    "#define UTVM_GLUE_ALIGNED __attribute__((aligned(16)))\n"
    "#else\n"
    "#define UTVM_GLUE_ALIGNED\n"
    "#endif\n";

std::string c_string_literal(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' avoids trigraphs
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  out += '"';
  return out;
}

std::string c_comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '/' && !out.empty() && out.back() == '*') out += ' ';
    out += c;
  }
  return out;
}

void append_byte_initialiser(std::string& out, const uint8_t* data, size_t size,
                             std::string_view indent) {
  // Hot path for multi-MB params: size the string once, then fill it through a pointer.
  // Each line: indent, then "0xAB," per byte separated by single spaces, then '\n'.
  static const char kHex[] = "0123456789abcdef";
  const size_t lines = (size + 15) / 16;
  const size_t extra = size * 5 + (size - std::min<size_t>(size, lines)) + lines * indent.size() +
                       (lines ? lines : 1);
  const size_t base = out.size();
  out.resize(base + extra);
  char* p = out.data() + base;
  for (size_t i = 0; i < size; ++i) {
    if (i % 16 == 0) {
      if (i != 0) *p++ = '\n';
      p = std::copy(indent.begin(), indent.end(), p);
    } else {
      *p++ = ' ';
    }
    *p++ = '0';
    *p++ = 'x';
    *p++ = kHex[data[i] >> 4];
    *p++ = kHex[data[i] & 15];
    *p++ = ',';
  }
  *p++ = '\n';
  out.resize(static_cast<size_t>(p - out.data()));
}

std::string c_int64_list(const std::vector<int64_t>& values) {
  if (values.empty()) return "{0}";
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

std::optional<mlf::DType> try_parse_dtype(std::string_view text) {
  try {
    mlf::DType d = mlf::parse_dtype(text);
    if (d.bits == 0 || d.code == 3) return std::nullopt;  // handles have no layout
    return d;
  } catch (const Error&) {
    return std::nullopt;
  }
}

uint64_t shape_bytes(const mlf::DType& d, const std::vector<int64_t>& shape) {
  uint64_t n = element_bytes(d);
  bool zero = false;
  bool overflow = false;
  for (int64_t v : shape) {
    if (v <= 0) {
      zero = true;
      continue;
    }
    overflow = __builtin_mul_overflow(n, static_cast<uint64_t>(v), &n) || overflow;
  }
  if (zero) return 0;
  return overflow ? std::numeric_limits<uint64_t>::max() : n;
}

bool is_c_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string rename_identifiers(std::string_view c_text, std::string_view from,
                               std::string_view to) {
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  out.reserve(c_text.size() + c_text.size() / 8);
  size_t i = 0;
  bool line_start = true;
  while (i < c_text.size()) {
    const char c = c_text[i];
    size_t end = i + 1;
    if (c == '"' || c == '\'') {
      while (end < c_text.size() && c_text[end] != c && c_text[end] != '\n')
        end += c_text[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, c_text.size());
    } else if (c_text.compare(i, 2, "/*") == 0) {
      end = c_text.find("*/", i + 2);
      end = end == std::string_view::npos ? c_text.size() : end + 2;
    } else if (c_text.compare(i, 2, "//") == 0 || (c == '#' && line_start)) {
      end = c_text.find('\n', i);
      end = end == std::string_view::npos ? c_text.size() : end;
    } else if (ident(c)) {
      while (end < c_text.size() && ident(c_text[end]))
        ++end;
      std::string_view word = c_text.substr(i, end - i);
      if (word.starts_with(from) && !std::isdigit(static_cast<unsigned char>(c))) {
        out += to;
        out += word.substr(from.size());
        line_start = false;
        i = end;
        continue;
      }
    }
    out.append(c_text.substr(i, end - i));
    if (c == '\n') {
      line_start = true;
    } else if (c != ' ' && c != '\t') {
      line_start = false;
    }
    i = end;
  }
  return out;
}

}  // namespace utvm::codegen::detail
