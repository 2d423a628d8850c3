#include "common/project_record.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/files.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kCommonKeys[] = {"platform",  "board", "model", "project_type",
                                       "footprint", "cmsis", "mlperf"};

struct Reader {
  const json& j;
  const fs::path& file;

  [[noreturn]] void bad(const std::string& key, const std::string& want) const {
    throw Error(ExitCode::kBadInput, fmt::format("{}: '{}' must be {}", file.string(), key, want));
  }
  std::string str(const json& obj, const char* key, std::string fallback) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_string()) bad(key, "a string");
    return it->get<std::string>();
  }
  std::uint64_t u64(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) return 0;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
      bad(std::string("footprint.") + key, "a non-negative integer");
    return it->get<std::uint64_t>();
  }
};

}  // namespace

json ProjectRecord::to_json() const {
  json j = platform_fields.is_object() ? platform_fields : json::object();
  j["platform"] = platform;
  j["board"] = board;
  j["model"] = model;
  j["project_type"] = project_type;
  json fp = {{"ram", footprint.ram},
             {"flash", footprint.flash},
             {"workspace", footprint.workspace},
             {"io", footprint.io},
             {"constants", footprint.constants}};
  if (footprint.weights_in_ram) fp["weights_in_ram"] = true;
  if (footprint.link_rx != 0) fp["link_rx"] = footprint.link_rx;
  j["footprint"] = std::move(fp);
  j["cmsis"] = cmsis;
  if (!mlperf.is_null()) j["mlperf"] = mlperf;
  return j;
}

ProjectRecord ProjectRecord::from_json(const json& j, const fs::path& file) {
  Reader r{j, file};
  if (!j.is_object()) r.bad("project.json", "an object");
  ProjectRecord p;
  p.platform = r.str(j, "platform", "");
  p.board = r.str(j, "board", "");
  p.model = r.str(j, "model", "model");
  p.project_type = r.str(j, "project_type", "host_driven");
  if (auto it = j.find("footprint"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) r.bad("footprint", "an object");
    p.footprint.ram = r.u64(*it, "ram");
    p.footprint.flash = r.u64(*it, "flash");
    p.footprint.workspace = r.u64(*it, "workspace");
    p.footprint.io = r.u64(*it, "io");
    p.footprint.constants = it->contains("constants") ? r.u64(*it, "constants") : p.footprint.flash;
    p.footprint.weights_in_ram = it->value("weights_in_ram", false);
    p.footprint.link_rx = r.u64(*it, "link_rx");
  }
  if (auto it = j.find("cmsis"); it != j.end()) p.cmsis = *it;
  if (auto it = j.find("mlperf"); it != j.end()) p.mlperf = *it;
  for (const auto& [key, value] : j.items()) {
    bool common = false;
    for (const char* k : kCommonKeys)
      common |= key == k;
    if (!common) p.platform_fields[key] = value;
  }
  return p;
}

ProjectRecord read_project_record(const fs::path& dir) {
  const fs::path p = dir / "project.json";
  if (!fs::is_regular_file(p)) {
    throw project_api::ServerError(
        fmt::format("{} is a template, not a generated project (no project.json)", dir.string()));
  }
  try {
    return ProjectRecord::from_json(json::parse(read_file(p)), p);
  } catch (const json::exception& e) {
    throw project_api::ServerError(fmt::format("{}: {}", p.string(), e.what()));
  } catch (const Error& e) {
    throw project_api::ServerError(e.what());
  }
}

void write_project_record(const fs::path& dir, const ProjectRecord& record) {
  write_file(dir / "project.json", record.to_json().dump(2) + "\n");
}

}  // namespace utvm::platforms
