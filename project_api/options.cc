// tvmc's project-option handling (tvmc project.py / fmtopt.py semantics), plus typed values.
#include "utvm/project_api/options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "utvm/common/error.h"
#include "utvm/common/suggest.h"
#include "utvm/project_api/python_json.h"

namespace utvm::project_api {
namespace {

[[noreturn]] void option_error(const std::string& message) {
  throw Error(ExitCode::kOption, message);
}

bool contains(const std::optional<std::vector<std::string>>& list, std::string_view item) {
  return list && std::find(list->begin(), list->end(), item) != list->end();
}

// Python truthiness of a JSON value (tvmc shows a default only when it is truthy).
bool truthy(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return false;
    case nlohmann::json::value_t::boolean:
      return v.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return v.get<long long>() != 0;
    case nlohmann::json::value_t::number_float:
      return v.get<double>() != 0.0;
    case nlohmann::json::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return !v.empty();
    default:
      return true;
  }
}

// Python str() of a JSON value: strings as they are, everything else as repr().
std::string python_str(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return python_repr(v);
}

bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}

// Splits text into TextWrapper chunks: whitespace runs and words, words further split after
// hyphens between letters ("board-name" -> "board-", "name"), like Python's wordsep_re.
std::vector<std::string> wrap_chunks(const std::string& text) {
  std::vector<std::string> chunks;
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    std::size_t j = i;
    if (space(text[i])) {
      while (j < text.size() && space(text[j]))
        ++j;
      chunks.push_back(std::string(j - i, ' '));  // replace_whitespace: each becomes a space
      i = j;
      continue;
    }
    std::size_t start = i;
    while (j < text.size() && !space(text[j])) {
      if (text[j] == '-' && j > start) {
        bool before = (j >= start + 2 && is_letter(text[j - 1]) && is_letter(text[j - 2])) ||
                      (j >= start + 3 && is_letter(text[j - 1]) && text[j - 2] == '-' &&
                       is_letter(text[j - 3]));
        bool after = j + 1 < text.size() && is_letter(text[j + 1]) &&
                     ((j + 2 < text.size() && is_letter(text[j + 2])) ||
                      (j + 3 < text.size() && text[j + 2] == '-' && is_letter(text[j + 3])));
        if (before && after) {
          chunks.push_back(text.substr(start, j + 1 - start));
          start = j + 1;
        }
      }
      ++j;
    }
    chunks.push_back(text.substr(start, j - start));
    i = j;
  }
  return chunks;
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' '; });
}

// Python's textwrap.TextWrapper(width).wrap(text) with default settings.
std::vector<std::string> text_wrap(const std::string& text, long width) {
  if (width < 1) width = 1;  // Python raises; a very long option name still gets a help line
  std::vector<std::string> chunks = wrap_chunks(text);
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::string> lines;
  while (!chunks.empty()) {
    std::vector<std::string> cur;
    long cur_len = 0;
    if (!lines.empty() && is_blank(chunks.back())) chunks.pop_back();
    while (!chunks.empty()) {
      long l = static_cast<long>(chunks.back().size());
      if (cur_len + l <= width) {
        cur.push_back(std::move(chunks.back()));
        chunks.pop_back();
        cur_len += l;
      } else {
        break;
      }
    }
    if (!chunks.empty() && static_cast<long>(chunks.back().size()) > width) {
      // Break a long word: as much as fits, preferring to end after a hyphen.
      long space_left = std::max(1L, width - cur_len);
      std::string& chunk = chunks.back();
      std::size_t end = static_cast<std::size_t>(space_left);
      auto hyphen = chunk.rfind('-', end - 1);
      if (hyphen != std::string::npos && hyphen > 0 && hyphen < end &&
          chunk.find_first_not_of('-') < hyphen)
        end = hyphen + 1;
      cur.push_back(chunk.substr(0, end));
      chunk.erase(0, end);
    }
    if (!cur.empty() && is_blank(cur.back())) cur.pop_back();
    if (!cur.empty()) {
      std::string line;
      for (const auto& c : cur)
        line += c;
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

const char* article(const std::string& type) {
  return (!type.empty() && std::string_view("aeiou").find(type[0]) != std::string_view::npos) ? "an"
                                                                                              : "a";
}

nlohmann::json typed_value(const std::string& name, const std::string& type,
                           const std::string& value) {
  auto bad = [&]() -> nlohmann::json {
    option_error("Option '" + name + "' of type " + type + " has a value that is not " +
                 article(type) + " " + type + ": '" + value + "'.");
  };
  if (type == "bool") {
    if (value == "true") return true;
    if (value == "false") return false;
    return bad();
  }
  if (type == "int") {
    long long v = 0;
    const char* first = value.data();
    const char* last = value.data() + value.size();
    if (first != last && *first == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last || first == last) return bad();
    return v;
  }
  if (type == "float") {
    if (value.empty() || std::isspace(static_cast<unsigned char>(value[0]))) return bad();
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || errno == ERANGE || !std::isfinite(v)) return bad();
    return v;
  }
  return value;  // "str" and any type this client does not know
}

}  // namespace

UserOptions parse_option_tokens(const std::vector<std::string>& tokens) {
  UserOptions out;
  for (const auto& token : tokens) {
    auto eq = token.find('=');
    if (eq == std::string::npos || token.find('=', eq + 1) != std::string::npos)
      option_error("Invalid option format: " + token + ". Please use OPTION=VALUE.");
    std::string name = token.substr(0, eq);
    std::string value = token.substr(eq + 1);
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == name; });
    if (it != out.end()) {
      it->second = std::move(value);
    } else {
      out.emplace_back(std::move(name), std::move(value));
    }
  }
  return out;
}

std::vector<MethodOption> options_for_method(std::string_view method,
                                             const std::vector<ProjectOption>& options) {
  std::vector<MethodOption> view;
  for (const auto& opt : options) {
    std::optional<std::vector<std::string>> choices = opt.choices;
    if (opt.type == "bool") choices = std::vector<std::string>{"true", "false"};
    if (contains(opt.required, method)) view.push_back({&opt, true, choices});
    if (contains(opt.optional, method)) view.push_back({&opt, false, choices});
  }
  return view;
}

void validate_options(std::string_view method, const std::vector<ProjectOption>& options,
                      const UserOptions& given) {
  auto view = options_for_method(method, options);
  auto is_given = [&](const std::string& name) {
    return std::any_of(given.begin(), given.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  for (const auto& mo : view) {
    if (mo.required && !is_given(mo.option->name)) {
      // A given name that is a typo of the missing one: say so on its own line.
      std::string hint;
      for (const auto& [name, value] : given) {
        if (nearest_word(name, {mo.option->name})) {
          hint = "\n'" + name + "' was given: did you mean '" + mo.option->name + "'?";
          break;
        }
      }
      option_error("Option '" + mo.option->name +
                   "' is required but was not specified. Use --list-options to see all required "
                   "options." +
                   hint);
    }
  }
  for (const auto& given_option : given) {
    // A named reference: clang 14 cannot capture structured bindings in lambdas.
    const std::string& name = given_option.first;
    bool required = std::any_of(view.begin(), view.end(), [&](const MethodOption& mo) {
      return mo.required && mo.option->name == name;
    });
    if (required) continue;
    bool optional = std::any_of(view.begin(), view.end(), [&](const MethodOption& mo) {
      return !mo.required && mo.option->name == name;
    });
    if (!optional) {
      // tvmc's text, then the nearest valid name (a typo) on a line of its own.
      std::vector<std::string> names;
      for (const auto& mo : view)
        names.push_back(mo.option->name);
      option_error("Option '" + name +
                   "' is invalid. Use --list-options to see all available options." +
                   did_you_mean(name, names));
    }
  }
  for (const auto& [name, value] : given) {
    // tvmc keeps the last view entry per name; both roles carry the same choices.
    const MethodOption* entry = nullptr;
    for (const auto& mo : view)
      if (mo.option->name == name) entry = &mo;
    if (!entry || !entry->choices) continue;
    const auto& choices = *entry->choices;
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string valid;
      for (const auto& c : choices)
        valid += (valid.empty() ? "" : ", ") + c;
      option_error("Choice '" + value + "' for option '" + name +
                   "' is invalid. Use --list-options to see all available choices for that "
                   "option.\nvalid choices: " +
                   valid + did_you_mean(value, choices));
    }
  }
}

nlohmann::json convert_options(const UserOptions& given, const std::vector<ProjectOption>& options,
                               ValueMode mode) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& entry : given) {
    // Named references: clang 14 cannot capture structured bindings in lambdas.
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    if (mode == ValueMode::kStrings) {
      out[name] = value;
      continue;
    }
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const ProjectOption& o) { return o.name == name; });
    out[name] = it == options.end() ? nlohmann::json(value) : typed_value(name, it->type, value);
  }
  return out;
}

nlohmann::json fill_defaults(nlohmann::json options, const std::vector<ProjectOption>& advertised) {
  if (options.is_null()) options = nlohmann::json::object();
  if (!options.is_object())
    throw Error(ExitCode::kOption, "project options must be a JSON object, got " + options.dump());
  for (const auto& opt : advertised) {
    if (!options.contains(opt.name)) options[opt.name] = opt.default_value;
  }
  return options;
}

nlohmann::json resolve_options(std::string_view method, const std::vector<ProjectOption>& options,
                               const UserOptions& given, ValueMode mode) {
  validate_options(method, options, given);
  return fill_defaults(convert_options(given, options, mode), options);
}

std::string format_option_help(const MethodOption& mo) {
  const ProjectOption& opt = *mo.option;
  std::string choices_text;
  if (mo.choices && !mo.choices->empty()) {
    choices_text = "{";
    for (std::size_t i = 0; i < mo.choices->size(); ++i) {
      if (i) choices_text += ", ";
      choices_text += (*mo.choices)[i];
    }
    choices_text += "}";
  } else {
    for (char c : opt.name)
      choices_text += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  // tvmc splits "<name>=<choices>" at the first '=', so a name containing '=' shifts the split.
  std::string full = opt.name + "=" + choices_text;
  auto eq = full.find('=');
  std::string optname = full.substr(0, eq);
  std::string choices = full.substr(eq + 1);
  auto lines = text_wrap(choices, 80 - static_cast<long>(optname.size()));
  if (lines.empty()) lines.push_back("");  // Python would fail on an empty choices text
  std::string out = optname + "=" + lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i)
    out.append("\n").append(optname.size() + 1, ' ').append(lines[i]);
  std::string help = opt.help;
  if (!help.empty()) help[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(help[0])));
  out += "\n  " + help;
  if (!mo.required && truthy(opt.default_value))
    out += " Defaults to '" + python_str(opt.default_value) + "'.";
  if (mo.required) out += " (required)";
  return out;
}

std::string format_options_help(std::string_view method,
                                const std::vector<ProjectOption>& options) {
  std::string out;
  for (const auto& mo : options_for_method(method, options)) {
    if (!out.empty()) out += "\n\n";
    out += format_option_help(mo);
  }
  if (!out.empty()) out += "\n\n";
  return out;
}

}  // namespace utvm::project_api
