// libFuzzer target for project option handling: a hostile server's project_options metadata plus
// hostile user tokens. Input: first line = JSON array of ProjectOption objects (as a server sends
// them); the next byte picks the method; every further line is one OPTION=VALUE token.
// Everything goes through parse_option_tokens, validate_options, convert_options (both modes),
// fill_defaults and format_options_help. Invariants: only utvm::Error(kOption) escapes the option
// functions; defaults fill every advertised name; the help text never contains a NUL added by us
// and ends with a blank line when non-empty.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "utvm/common/error.h"
#include "utvm/project_api/messages.h"
#include "utvm/project_api/options.h"

using namespace utvm::project_api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view meta = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  std::vector<ProjectOption> options;
  Json parsed = Json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return 0;
  for (const auto& j : parsed) {
    try {
      options.push_back(j.get<ProjectOption>());
    } catch (const utvm::Error&) {
      return 0;  // the client rejects malformed metadata before using it
    } catch (const nlohmann::json::exception&) {
      return 0;
    }
  }

  static constexpr std::string_view kMethods[] = {"generate_project", "build", "flash",
                                                  "open_transport", "close_transport"};
  std::string_view method = kMethods[0];
  if (!rest.empty()) {
    method = kMethods[static_cast<unsigned char>(rest[0]) % 5];
    rest.remove_prefix(1);
  }
  std::vector<std::string> tokens;
  while (!rest.empty()) {
    auto end = rest.find('\n');
    tokens.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }

  std::string help = format_options_help(method, options);
  if (!help.empty() && (help.size() < 2 || help.compare(help.size() - 2, 2, "\n\n") != 0))
    std::abort();

  try {
    UserOptions given = parse_option_tokens(tokens);
    validate_options(method, options, given);
    for (ValueMode mode : {ValueMode::kStrings, ValueMode::kTyped}) {
      nlohmann::json sent = fill_defaults(convert_options(given, options, mode), options);
      for (const auto& o : options)
        if (!sent.contains(o.name)) std::abort();
      for (const auto& [name, value] : given)
        if (!sent.contains(name)) std::abort();
    }
  } catch (const utvm::Error& e) {
    if (e.code() != utvm::ExitCode::kOption) std::abort();
  }
  return 0;
}
