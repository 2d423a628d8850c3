#include "common/server_options.h"

#include <fmt/format.h>

namespace utvm::platforms {
namespace fs = std::filesystem;
namespace api = utvm::project_api;
using json = nlohmann::json;

api::ProjectOption make_option(std::string name, std::string type, json default_value,
                               std::vector<std::string> required, std::vector<std::string> optional,
                               std::string help) {
  api::ProjectOption o;
  o.name = std::move(name);
  o.type = std::move(type);
  o.default_value = std::move(default_value);
  if (!required.empty()) o.required = std::move(required);
  if (!optional.empty()) o.optional = std::move(optional);
  o.help = std::move(help);
  return o;
}

std::optional<std::string> str_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw api::ServerError(fmt::format("option {}: want a string, got {}", name, it->dump()));
  }
  if (it->get_ref<const std::string&>().empty()) return std::nullopt;
  return it->get<std::string>();
}

bool bool_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s == "true") return true;
    if (s == "false" || s.empty()) return false;
  }
  if (it->is_number_integer()) return it->get<long long>() != 0;
  throw api::ServerError(fmt::format("option {}: want true or false, got {}", name, it->dump()));
}

std::optional<std::uint64_t> uint_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<long long>() >= 0) return it->get<long long>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos)
      return std::stoull(s);
  }
  throw api::ServerError(
      fmt::format("option {}: want a non-negative integer, got {}", name, it->dump()));
}

api::ServerInfo server_info_for(std::string platform, const fs::path& dir) {
  api::ServerInfo info;
  info.platform_name = std::move(platform);
  const fs::path model_tar = dir / "model.tar";
  info.is_template = !fs::is_regular_file(model_tar);
  info.model_library_format_path = info.is_template ? "" : fs::absolute(model_tar).string();
  return info;
}

api::ProjectOption project_type_option(std::string help) {
  auto option =
      make_option("project_type", "str", "host_driven", {}, {"generate_project"}, std::move(help));
  option.choices = std::vector<std::string>{"host_driven"};
  return option;
}

void check_project_type(const json& options) {
  if (auto type = str_option(options, "project_type"); type && *type != "host_driven") {
    throw api::ServerError(fmt::format(
        "option project_type: '{}' is not supported by utvm (choices: host_driven)", *type));
  }
}

}  // namespace utvm::platforms
