// Finds CMSIS #includes and CMSIS-NN calls in a model's generated C (see cmsis.h).
#include "utvm/mlf/cmsis.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace utvm::mlf {
namespace {

bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// The header named by an `#include <x>` / `#include "x"` line, or empty.
std::string_view include_target(std::string_view line) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
  };
  skip();
  if (i >= line.size() || line[i] != '#') return {};
  ++i;
  skip();
  if (line.substr(i, 7) != "include") return {};
  i += 7;
  skip();
  if (i >= line.size() || (line[i] != '<' && line[i] != '"')) return {};
  const char close = line[i] == '<' ? '>' : '"';
  const std::size_t start = ++i;
  const std::size_t end = line.find(close, start);
  if (end == std::string_view::npos) return {};
  return line.substr(start, end - start);
}

// Calls `arm_xxx(` outside comments and string literals, added to `out`.
void collect_arm_calls(std::string_view t, std::set<std::string>& out) {
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    const bool line_comment = c == '/' && i + 1 < t.size() && t[i + 1] == '/';
    // Preprocessor lines (#include <arm_nnfunctions.h>) are not calls either.
    const bool directive = c == '#' && (i == 0 || t[i - 1] == '\n');
    if (line_comment || directive) {
      i = t.find('\n', i);
      if (i == std::string_view::npos) return;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      i = t.find("*/", i + 2);
      if (i == std::string_view::npos) return;
      i += 2;
    } else if (c == '"' || c == '\'') {
      for (++i; i < t.size() && t[i] != c; ++i)
        if (t[i] == '\\') ++i;
      ++i;
    } else if (is_ident(c)) {
      const std::size_t start = i;
      while (i < t.size() && is_ident(t[i]))
        ++i;
      const std::string_view word = t.substr(start, i - start);
      if (!starts_with(word, "arm_") || (start > 0 && is_ident(t[start - 1]))) continue;
      std::size_t j = i;
      while (j < t.size() && std::isspace(static_cast<unsigned char>(t[j])))
        ++j;
      if (j < t.size() && t[j] == '(') out.insert(std::string(word));
    } else {
      ++i;
    }
  }
}

}  // namespace

bool CmsisUse::needs(CmsisPart part) const {
  return std::any_of(includes.begin(), includes.end(),
                     [&](const CmsisInclude& inc) { return inc.part == part; });
}

bool cmsis_header_part(std::string_view header, CmsisPart* part) {
  // Only the file name decides: "CMSIS/NN/Include/arm_nnfunctions.h" is the same header.
  if (auto slash = header.rfind('/'); slash != std::string_view::npos) {
    if (starts_with(header, "dsp/")) {  // CMSIS-DSP's own sub-headers (dsp/basic_math_functions.h)
      *part = CmsisPart::kDsp;
      return true;
    }
    header = header.substr(slash + 1);
  }
  if (starts_with(header, "arm_nn") && header.size() > 2 &&
      header.substr(header.size() - 2) == ".h") {
    *part = CmsisPart::kNn;
    return true;
  }
  static const char* const kDsp[] = {"arm_math.h",
                                     "arm_math_types.h",
                                     "arm_math_types_f16.h",
                                     "arm_math_f16.h",
                                     "arm_math_memory.h",
                                     "arm_common_tables.h",
                                     "arm_common_tables_f16.h",
                                     "arm_const_structs.h",
                                     "arm_const_structs_f16.h",
                                     "arm_helium_utils.h",
                                     "arm_vec_math.h",
                                     "arm_vec_math_f16.h",
                                     "arm_mve_tables.h",
                                     "arm_mve_tables_f16.h"};
  for (const char* h : kDsp) {
    if (header == h) {
      *part = CmsisPart::kDsp;
      return true;
    }
  }
  if (starts_with(header, "cmsis_") || starts_with(header, "core_cm") ||
      starts_with(header, "core_arm") || starts_with(header, "core_sc") ||
      starts_with(header, "mpu_armv") || header == "tz_context.h") {
    *part = CmsisPart::kCore;
    return true;
  }
  return false;
}

CmsisUse scan_cmsis_use(const std::vector<std::pair<std::string, const std::string*>>& files) {
  CmsisUse use;
  std::set<std::string> calls;
  for (const auto& [name, text] : files) {
    if (!text) continue;
    std::set<std::string> seen;
    bool includes_nn = false;
    std::string_view t = *text;
    for (std::size_t pos = 0; pos < t.size();) {
      std::size_t eol = t.find('\n', pos);
      if (eol == std::string_view::npos) eol = t.size();
      const std::string_view header = include_target(t.substr(pos, eol - pos));
      CmsisPart part;
      if (!header.empty() && cmsis_header_part(header, &part) &&
          seen.insert(std::string(header)).second) {
        use.includes.push_back({std::string(header), name, part});
        includes_nn = includes_nn || part == CmsisPart::kNn;
      }
      pos = eol + 1;
    }
    // CMSIS-NN calls: arm_* functions called from files that include a CMSIS-NN header.
    if (includes_nn) collect_arm_calls(t, calls);
    if (t.find("arm_cmsis_nn_status") != std::string_view::npos) use.uses_nn_status = true;
  }
  use.nn_functions.assign(calls.begin(), calls.end());
  return use;
}

const char* to_string(CmsisPart part) {
  switch (part) {
    case CmsisPart::kNn:
      return "CMSIS-NN";
    case CmsisPart::kDsp:
      return "CMSIS-DSP";
    case CmsisPart::kCore:
      return "CMSIS-Core";
  }
  return "CMSIS";
}

}  // namespace utvm::mlf
