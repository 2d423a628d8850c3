#include "common/quoting.h"

#include <sstream>

namespace utvm::platforms {

std::string cmake_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '$' || c == ';') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string cmake_list(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    out += " " + cmake_quote(w);
  return out;
}

std::string cmake_source_lines(const std::vector<std::string>& sources, const std::string& prefix) {
  std::string out;
  for (const auto& src : sources) {
    const bool dot = src.rfind("./", 0) == 0;
    out += "  " + cmake_quote(prefix + (dot ? src.substr(2) : src)) + "\n";
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

}  // namespace utvm::platforms
