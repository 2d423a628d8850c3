// Project options as a user gives them (`--project-option K=V ...`) and as a server receives
// them, following tvmc and RFC 0020 (spec project-api.md §5.4-5.6):
//   parse_option_tokens   "K=V" tokens -> ordered name/value pairs (later duplicates win)
//   options_for_method    the per-method view of a server's advertised options
//   validate_options      required -> invalid name -> choice, with tvmc's exact messages
//   convert_options       values typed by the option's `type` (or all strings: tvmc compat)
//   fill_defaults         every advertised option not given gets its default (may be null)
//   format_options_help   tvmc's help block for one method
// Every user-caused failure is utvm::Error(ExitCode::kOption).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/project_api/messages.h"

namespace utvm::project_api {

// Options as typed by the user: name/value pairs in first-seen order, each name once.
using UserOptions = std::vector<std::pair<std::string, std::string>>;

// Splits each token on '='; exactly two parts are required, else
// "Invalid option format: <token>. Please use OPTION=VALUE." (so values cannot contain '=').
// A later token with the same name overwrites the earlier value in place.
UserOptions parse_option_tokens(const std::vector<std::string>& tokens);

// One entry of a method's view. An option both required and optional for the method appears
// twice (once per role), like tvmc.
struct MethodOption {
  const ProjectOption* option;
  bool required;
  // The choices tvmc validates against: {"true","false"} for bool options, else the
  // advertised list (nullopt = any value).
  std::optional<std::vector<std::string>> choices;
};
// The options of `options` that belong to `method`, in advertised order; required role first
// for an option in both lists.
std::vector<MethodOption> options_for_method(std::string_view method,
                                             const std::vector<ProjectOption>& options);

// tvmc's checks, in its order (first failure throws Error(kOption)):
//  1. each required option present:  "Option '<name>' is required but was not specified. Use
//     --list-options to see all required options."
//  2. each other given name optional for the method: "Option '<name>' is invalid. Use
//     --list-options to see all available options."
//  3. values of options with choices among them: "Choice '<value>' for option '<name>' is
//     invalid. Use --list-options to see all available choices for that option."
void validate_options(std::string_view method, const std::vector<ProjectOption>& options,
                      const UserOptions& given);

enum class ValueMode {
  kTyped,    // bool -> true/false, int -> integer, float -> number, str -> string
  kStrings,  // every user value sent as a JSON string (tvmc; what old Python servers expect)
};

// The options object for the wire, user values only. kTyped throws Error(kOption)
// "Option '<name>' of type <type> has a value that is not <a/an> <type>: '<value>'." when a value
// does not parse. Names the server does not advertise are passed as strings.
nlohmann::json convert_options(const UserOptions& given, const std::vector<ProjectOption>& options,
                               ValueMode mode = ValueMode::kTyped);

// Adds every advertised option missing from `options` with its default (null when none), in
// advertised order after the given ones: what TVM's client sends to every method (§5.4).
nlohmann::json fill_defaults(nlohmann::json options, const std::vector<ProjectOption>& advertised);

// validate + convert + fill_defaults: the options object to send for `method`.
nlohmann::json resolve_options(std::string_view method, const std::vector<ProjectOption>& options,
                               const UserOptions& given, ValueMode mode = ValueMode::kTyped);

// One option's tvmc help block: "<name>=<{a, b}|NAME>" wrapped at 80 - len(name) columns with
// continuation lines under the character after '=', then "\n  <help, first letter lowered>"
// + " Defaults to '<default>'." (optional with a truthy default) or " (required)".
std::string format_option_help(const MethodOption& option);
// All blocks of `method` joined by a blank line, plus a final blank line ("" when none).
std::string format_options_help(std::string_view method, const std::vector<ProjectOption>& options);

}  // namespace utvm::project_api
