// Scanners for TVM-generated C headers/sources and Relay text (see scan.h).
#include "scan.h"

#include <cctype>
#include <charconv>

namespace utvm::mlf::detail {
namespace {

bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Skips whitespace and /* */ and // comments from `i`.
std::size_t skip_ws(std::string_view t, std::size_t i) {
  while (i < t.size()) {
    if (is_space(t[i])) {
      ++i;
    } else if (t.compare(i, 2, "/*") == 0) {
      auto e = t.find("*/", i + 2);
      i = e == std::string_view::npos ? t.size() : e + 2;
    } else if (t.compare(i, 2, "//") == 0) {
      auto e = t.find('\n', i);
      i = e == std::string_view::npos ? t.size() : e + 1;
    } else {
      break;
    }
  }
  return i;
}

// Index just past the bracket matching t[open] ('(' or '['), honouring nesting, strings and
// comments; npos if unbalanced.
std::size_t match_bracket(std::string_view t, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') {
      for (++i; i < t.size() && t[i] != '"'; ++i) {
        if (t[i] == '\\') ++i;
      }
      continue;
    }
    if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      auto e = t.find("*/", i + 2);
      if (e == std::string_view::npos) return std::string_view::npos;
      i = e + 1;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// Splits on commas at nesting depth 0 (outside strings and comments).
std::vector<std::string_view> split_top(std::string_view t) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') {
      for (++i; i < t.size() && t[i] != '"'; ++i) {
        if (t[i] == '\\') ++i;
      }
      continue;
    }
    if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      auto e = t.find("*/", i + 2);
      i = e == std::string_view::npos ? t.size() : e + 1;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(t.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(t.substr(start));
  return out;
}

std::string strip_comments(std::string_view t) {
  std::string out;
  for (std::size_t i = 0; i < t.size();) {
    if (t.compare(i, 2, "/*") == 0) {
      auto e = t.find("*/", i + 2);
      i = e == std::string_view::npos ? t.size() : e + 2;
      out += ' ';
    } else {
      out += t[i++];
    }
  }
  return out;
}

// Members "void* name;" of "struct <name> { ... };".
bool scan_struct(std::string_view text, std::string_view struct_name,
                 std::vector<std::string>& members) {
  std::string key = "struct " + std::string(struct_name);
  for (std::size_t pos = text.find(key); pos != std::string_view::npos;
       pos = text.find(key, pos + 1)) {
    std::size_t i = pos + key.size();
    if (i < text.size() && is_ident(text[i])) continue;
    while (i < text.size() && is_space(text[i]))
      ++i;  // TVM writes "struct x {"
    if (i >= text.size() || text[i] != '{') continue;
    std::size_t end = text.find('}', i);
    if (end == std::string_view::npos) return false;
    std::string body = strip_comments(text.substr(i + 1, end - i - 1));
    std::string_view b = body;
    std::size_t s = 0;
    while (s < b.size()) {
      std::size_t semi = b.find(';', s);
      if (semi == std::string_view::npos) break;
      std::string_view decl = trim(b.substr(s, semi - s));
      s = semi + 1;
      std::size_t e = decl.size();
      while (e > 0 && is_ident(decl[e - 1]))
        --e;
      if (e < decl.size()) members.emplace_back(decl.substr(e));
    }
    return true;
  }
  return false;
}

std::optional<RelayTensorType> parse_tensor_type(std::string_view t) {
  t = trim(t);
  if (t.substr(0, 7) != "Tensor[") return std::nullopt;
  std::size_t end = match_bracket(t, 6);
  if (end == std::string_view::npos) return std::nullopt;
  std::string inner = strip_comments(t.substr(7, end - 8));
  std::string_view in = trim(inner);
  RelayTensorType out;
  if (in.empty() || in.front() != '(') return std::nullopt;
  std::size_t close = in.find(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view dims = in.substr(1, close - 1);
  std::string_view rest = trim(in.substr(close + 1));
  if (rest.empty() || rest.front() != ',') return std::nullopt;
  out.dtype = std::string(trim(rest.substr(1)));
  std::vector<std::int64_t> shape;
  bool known = true;
  if (!trim(dims).empty()) {
    for (std::string_view d : split_top(dims)) {
      d = trim(d);
      if (d.empty()) continue;  // "(16,)" style
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
      if (ec != std::errc() || p != d.data() + d.size() || v < 0) {
        known = false;
        break;
      }
      shape.push_back(v);
    }
  }
  if (known) out.shape = std::move(shape);
  if (out.dtype.empty()) return std::nullopt;
  return out;
}

void parse_result_type(std::string_view t, std::vector<RelayTensorType>& out, bool& ok) {
  t = trim(t);
  if (!t.empty() && t.front() == '(') {
    std::size_t end = match_bracket(t, 0);
    if (end == std::string_view::npos) {
      ok = false;
      return;
    }
    for (std::string_view part : split_top(t.substr(1, end - 2))) {
      if (!trim(part).empty()) parse_result_type(part, out, ok);
    }
    return;
  }
  auto tt = parse_tensor_type(t);
  if (!tt) {
    ok = false;
    return;
  }
  out.push_back(*tt);
}

// The initialiser "{...}" of the definition of `symbol` (declared as `<type> symbol[N] = {`)
// in `text`; empty when absent or unbalanced.
std::string_view array_initialiser(std::string_view text, std::string_view type,
                                   std::string_view symbol) {
  std::string needle = std::string(type) + " " + std::string(symbol) + "[";
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    std::size_t eq = text.find('=', at + needle.size());
    std::size_t semi = text.find(';', at + needle.size());
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) continue;
    std::size_t open = skip_ws(text, eq + 1);
    if (open >= text.size() || text[open] != '{') continue;
    std::size_t close = match_bracket(text, open);
    if (close == std::string_view::npos) return {};
    return text.substr(open + 1, close - open - 2);
  }
  return {};
}

std::optional<std::int64_t> c_integer(std::string_view text) {
  const std::string clean = strip_comments(text);  // t views it: it must outlive t
  std::string_view t = trim(clean);
  while (!t.empty() && (t.back() == 'L' || t.back() == 'l' || t.back() == 'U' || t.back() == 'u'))
    t.remove_suffix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

// The rows of one TVMTensorInfo table.
std::optional<std::vector<CTensorInfo>> tensor_infos(std::string_view text, std::string_view body) {
  std::vector<CTensorInfo> out;
  if (trim(strip_comments(body)).empty()) return out;
  for (std::string_view row : split_top(body)) {
    std::string clean = strip_comments(row);
    std::string_view r = trim(clean);
    if (r.size() < 2 || r.front() != '{' || r.back() != '}') return std::nullopt;
    auto fields = split_top(r.substr(1, r.size() - 2));
    if (fields.size() != 4) return std::nullopt;
    std::string_view name = trim(fields[0]);
    if (name.size() < 2 || name.front() != '"' || name.back() != '"' ||
        name.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
    CTensorInfo t;
    t.name = std::string(name.substr(1, name.size() - 2));
    std::string_view shape_sym = trim(fields[1]);
    auto ndim = c_integer(fields[2]);
    std::string_view dtype = trim(fields[3]);
    if (!ndim || *ndim < 0 || *ndim > 64 || dtype.size() < 2 || dtype.front() != '{') {
      return std::nullopt;
    }
    auto parts = split_top(dtype.substr(1, dtype.size() - 2));
    if (parts.size() != 3) return std::nullopt;
    auto code = c_integer(parts[0]), bits = c_integer(parts[1]), lanes = c_integer(parts[2]);
    if (!code || !bits || !lanes) return std::nullopt;
    t.dtype_code = static_cast<unsigned>(*code);
    t.dtype_bits = static_cast<unsigned>(*bits);
    t.dtype_lanes = static_cast<unsigned>(*lanes);
    if (*ndim > 0) {
      std::string_view dims = array_initialiser(text, "int64_t", shape_sym);
      auto values = split_top(dims);
      if (values.size() != static_cast<std::size_t>(*ndim)) return std::nullopt;
      for (std::string_view v : values) {
        auto d = c_integer(v);
        if (!d) return std::nullopt;
        t.shape.push_back(*d);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

std::optional<CMetadata> scan_c_metadata(std::string_view text) {
  static constexpr std::string_view kType = "struct TVMTensorInfo ";
  std::optional<std::vector<CTensorInfo>> inputs, outputs;
  for (std::size_t at = text.find(kType); at != std::string_view::npos;
       at = text.find(kType, at + 1)) {
    std::size_t s = at + kType.size(), e = s;
    while (e < text.size() && is_ident(text[e]))
      ++e;
    std::string_view sym = text.substr(s, e - s);
    if (e >= text.size() || text[e] != '[') continue;
    bool is_in = sym.ends_with("_inputs"), is_out = sym.ends_with("_outputs");
    if (!is_in && !is_out) continue;
    std::string_view body = array_initialiser(text, "struct TVMTensorInfo", sym);
    auto rows = tensor_infos(text, body);
    if (!rows) return std::nullopt;
    (is_in ? inputs : outputs) = std::move(rows);
  }
  if (!inputs || !outputs) return std::nullopt;
  return CMetadata{std::move(*inputs), std::move(*outputs)};
}

HeaderInfo scan_header(std::string_view text, std::string_view prefix) {
  HeaderInfo info;
  std::string p(prefix);
  info.has_inputs_struct = scan_struct(text, p + "_inputs", info.inputs);
  info.has_outputs_struct = scan_struct(text, p + "_outputs", info.outputs);
  std::vector<std::string> ignored;
  info.has_workspace_pools = scan_struct(text, p + "_workspace_pools", ignored);
  info.has_devices = scan_struct(text, p + "_devices", ignored);
  for (std::size_t pos = text.find("#define"); pos != std::string_view::npos;
       pos = text.find("#define", pos + 7)) {
    std::size_t i = pos + 7;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::size_t s = i;
    while (i < text.size() && is_ident(text[i]))
      ++i;
    std::string name(text.substr(s, i - s));
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::size_t v = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
      ++i;
    if (name.empty() || v == i) continue;
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + v, text.data() + i, value);
    if (ec == std::errc() && ptr == text.data() + i) info.macros[name] = value;
  }
  return info;
}

bool contains_identifier(std::string_view text, std::string_view symbol) {
  for (std::size_t pos = text.find(symbol); pos != std::string_view::npos;
       pos = text.find(symbol, pos + 1)) {
    bool left_ok = pos == 0 || !is_ident(text[pos - 1]);
    std::size_t e = pos + symbol.size();
    bool right_ok = e >= text.size() || !is_ident(text[e]);
    if (left_ok && right_ok) return true;
  }
  return false;
}

std::optional<std::string> find_definition(std::string_view text, std::string_view symbol) {
  // One linear pass (hostile sources must not make this quadratic): track open parentheses,
  // remembering which directly follow `symbol`; when one of those closes and the next token is
  // '{', it is a definition. ';' and braces end any parameter list, so they reset the stack.
  struct Open {
    std::size_t pos;
    bool target;
  };
  std::vector<Open> stack;
  const std::size_t n = text.size();
  auto follows_symbol = [&](std::size_t paren) {
    std::size_t e = paren;
    while (e > 0 && is_space(text[e - 1]))
      --e;
    if (e < symbol.size() || text.compare(e - symbol.size(), symbol.size(), symbol) != 0) {
      return false;
    }
    std::size_t s = e - symbol.size();
    return s == 0 || !is_ident(text[s - 1]);
  };
  for (std::size_t i = 0; i < n;) {
    char c = text[i];
    if (c == '/' && i + 1 < n && (text[i + 1] == '*' || text[i + 1] == '/')) {
      std::size_t e = text[i + 1] == '*' ? text.find("*/", i + 2) : text.find('\n', i + 2);
      i = e == std::string_view::npos ? n : e + (text[i + 1] == '*' ? 2 : 1);
      continue;
    }
    if (c == '"' || c == '\'') {
      for (++i; i < n && text[i] != c && text[i] != '\n'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c == ';' || c == '{' || c == '}') {
      stack.clear();
    } else if (c == '(') {
      if (stack.size() >= 256) stack.clear();
      stack.push_back({i, follows_symbol(i)});
    } else if (c == ')' && !stack.empty()) {
      Open open = stack.back();
      stack.pop_back();
      if (open.target) {
        std::size_t j = skip_ws(text, i + 1);
        if (j < n && text[j] == '{')
          return std::string(text.substr(open.pos + 1, i - open.pos - 1));
      }
    }
    ++i;
  }
  return std::nullopt;
}

std::optional<RelayMain> parse_relay_main(std::string_view text) {
  std::size_t pos = text.find("def @main(");
  if (pos == std::string_view::npos) return std::nullopt;
  std::size_t open = pos + 9;
  std::size_t close = match_bracket(text, open);
  if (close == std::string_view::npos) return std::nullopt;
  RelayMain main;
  for (std::string_view item : split_top(text.substr(open + 1, close - open - 2))) {
    std::string_view s = trim(item);
    if (s.empty()) continue;
    if (s.front() == '%') {
      RelayParam param;
      std::size_t colon = s.find(": ");
      if (colon == std::string_view::npos) {
        param.name = std::string(trim(s.substr(1)));
      } else {
        param.name = std::string(s.substr(1, colon - 1));
        param.type = parse_tensor_type(s.substr(colon + 2));
      }
      main.params.push_back(std::move(param));
    } else if (s.substr(0, 20) == "output_tensor_names=") {
      std::string_view list = s.substr(20);
      for (std::size_t q = list.find('"'); q != std::string_view::npos;) {
        std::size_t e = list.find('"', q + 1);
        if (e == std::string_view::npos) break;
        main.output_tensor_names.emplace_back(list.substr(q + 1, e - q - 1));
        q = list.find('"', e + 1);
      }
    }
  }
  std::size_t i = skip_ws(text, close);
  std::size_t body = text.find('{', i);
  if (text.compare(i, 2, "->") == 0 && body != std::string_view::npos) {
    std::vector<RelayTensorType> types;
    bool ok = true;
    parse_result_type(text.substr(i + 2, body - i - 2), types, ok);
    if (ok && !types.empty()) main.result = std::move(types);
  }
  if (body != std::string_view::npos) {
    std::size_t end = match_bracket(text, body);
    if (end != std::string_view::npos) {
      // The last expression is the final statement of the body (no trailing ';').
      std::string_view b = text.substr(body + 1, end - body - 2);
      std::size_t nl = trim(b).rfind('\n');
      std::string_view last = trim(b);
      if (nl != std::string_view::npos) last = trim(last.substr(nl + 1));
      std::size_t od = last.rfind("out_dtype=\"");
      if (od != std::string_view::npos) {
        std::size_t s = od + 11;
        std::size_t e = last.find('"', s);
        if (e != std::string_view::npos) main.last_out_dtype = std::string(last.substr(s, e - s));
      }
    }
  }
  return main;
}

}  // namespace utvm::mlf::detail
