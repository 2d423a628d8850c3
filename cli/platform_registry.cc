// Built-in platform discovery and board data files.
#include "utvm/cli/platform_registry.h"

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "utvm/common/error.h"
#include "utvm/common/install_layout.h"
#include "utvm/common/suggest.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::kBadInput, "cannot open " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(ExitCode::kBadInput, "reading " + path.string() + ": not valid JSON: " + e.what());
  }
}

bool has_server(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "launch_microtvm_api_server.sh", ec) ||
         fs::is_regular_file(dir / "microtvm_api_server.py", ec);
}

}  // namespace

fs::path absolute_path(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) return p.lexically_normal();
  return abs.lexically_normal();
}

std::optional<RequiredTool> required_tool_from_json(const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  auto name = entry.find("name");
  if (name == entry.end() || !name->is_string()) return std::nullopt;
  RequiredTool tool;
  tool.name = name->get<std::string>();
  if (auto c = entry.find("command"); c != entry.end() && c->is_array()) {
    for (const auto& a : *c) {
      if (a.is_string()) tool.command.push_back(a.get<std::string>());
    }
  }
  if (tool.command.empty()) tool.command = {tool.name, "--version"};
  tool.fix = entry.value("fix", "");
  tool.optional = entry.value("optional", false);
  tool.when_env = entry.value("when_env", "");
  return tool;
}

PlatformEntry read_platform_dir(const fs::path& dir) {
  PlatformEntry p;
  p.template_dir = absolute_path(dir);
  p.name = p.template_dir.filename().string();
  fs::path meta = p.template_dir / "platform.json";
  std::error_code ec;
  if (!fs::is_regular_file(meta, ec)) return p;
  nlohmann::json j = read_json_file(meta);
  if (!j.is_object()) throw Error(ExitCode::kBadInput, meta.string() + ": expected a JSON object");
  if (auto it = j.find("name"); it != j.end() && it->is_string()) p.name = it->get<std::string>();
  if (auto it = j.find("description"); it != j.end() && it->is_string()) {
    p.description = it->get<std::string>();
  }
  if (auto it = j.find("boards"); it != j.end() && it->is_string() && !it->empty()) {
    p.boards_file = (p.template_dir / it->get<std::string>()).lexically_normal();
  }
  if (auto it = j.find("tools"); it != j.end() && it->is_array()) {
    for (const auto& t : *it) {
      if (auto tool = required_tool_from_json(t)) p.tools.push_back(std::move(*tool));
    }
  }
  return p;
}

std::vector<PlatformEntry> list_platforms() {
  std::vector<PlatformEntry> out;
  std::error_code ec;
  fs::path root = install::platforms_dir();
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec) || !has_server(entry.path())) continue;
    try {
      out.push_back(read_platform_dir(entry.path()));
    } catch (const Error& e) {
      PlatformEntry broken;
      broken.name = entry.path().filename().string();
      broken.template_dir = absolute_path(entry.path());
      broken.error = e.what();
      out.push_back(std::move(broken));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PlatformEntry& a, const PlatformEntry& b) { return a.name < b.name; });
  return out;
}

PlatformEntry find_platform(const std::string& name) {
  auto all = list_platforms();
  for (auto& p : all) {
    if (p.name == name) return p;
  }
  std::string known;
  std::vector<std::string> names;
  for (const auto& p : all) {
    known += (known.empty() ? "" : ", ") + p.name;
    names.push_back(p.name);
  }
  if (known.empty()) known = "none found in " + install::platforms_dir().string();
  throw Error(ExitCode::kUsage,
              "unknown platform '" + name + "' (built-in platforms: " + known +
                  "); use 'template --template-dir DIR' for any other Project API server" +
                  utvm::did_you_mean(name, names));
}

bool is_builtin_template(const fs::path& dir) {
  for (const auto& p : list_platforms()) {
    std::error_code ec;
    if (fs::equivalent(p.template_dir, dir, ec)) return true;
  }
  return false;
}

std::vector<Board> read_boards(const PlatformEntry& platform) {
  std::vector<Board> out;
  if (platform.boards_file.empty()) return out;
  for (auto& [name, board] : platforms::load_boards(platform.boards_file, platform.name))
    out.push_back(Board{std::move(board), platform.name});
  return out;
}

}  // namespace utvm::cli
