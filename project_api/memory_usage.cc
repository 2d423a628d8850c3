#include "utvm/project_api/memory_usage.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "utvm/common/error.h"

namespace utvm::project_api {
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(ExitCode::kBadInput, fmt::format("memory report: {}: {}", field, why));
}

std::uint64_t read_u64(const json& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) bad(where + key, "missing");
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0))
    bad(where + key, "want a non-negative integer");
  return it->get<std::uint64_t>();
}

std::string read_str(const json& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) bad(where + key, "want a string");
  return it->get<std::string>();
}

MemoryRegionUse read_region(const json& j, const std::string& key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) bad(key, "want an object {used, size}");
  return {read_u64(*it, "used", key + "."), read_u64(*it, "size", key + ".")};
}

std::string bar_line(const std::string& label, const MemoryRegionUse& r) {
  if (r.size == 0) return fmt::format("{:<7}(used {} bytes)\n", label + ":", r.used);
  constexpr int kBlocks = 10;
  const double pct = r.percent();
  const int blocks = std::clamp(static_cast<int>(std::lround(pct / 10.0)), 0, kBlocks);
  return fmt::format("{:<7}[{}{}] {:>5.1f}% (used {} bytes from {} bytes)\n", label + ":",
                     std::string(blocks, '='), std::string(kBlocks - blocks, ' '), pct, r.used,
                     r.size);
}

}  // namespace

double MemoryRegionUse::percent() const {
  return size ? 100.0 * static_cast<double>(used) / static_cast<double>(size) : 0.0;
}

json to_json(const MemoryUsage& u) {
  json parts = json::array();
  for (const auto& p : u.breakdown)
    parts.push_back({{"name", p.name}, {"region", p.region}, {"bytes", p.bytes}});
  return {{"schema_version", kMemoryUsageSchemaVersion},
          {"board", u.board},
          {"ram", {{"used", u.ram.used}, {"size", u.ram.size}}},
          {"flash", {{"used", u.flash.used}, {"size", u.flash.size}}},
          {"breakdown", parts}};
}

MemoryUsage memory_usage_from_json(const json& j) {
  if (!j.is_object()) bad("(top level)", "want an object");
  auto v = j.find("schema_version");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != kMemoryUsageSchemaVersion)
    bad("schema_version", fmt::format("want {}", kMemoryUsageSchemaVersion));
  MemoryUsage u;
  u.board = read_str(j, "board", "");
  u.ram = read_region(j, "ram");
  u.flash = read_region(j, "flash");
  if (auto b = j.find("breakdown"); b != j.end()) {
    if (!b->is_array()) bad("breakdown", "want an array");
    for (std::size_t i = 0; i < b->size(); ++i) {
      const json& p = (*b)[i];
      const std::string where = fmt::format("breakdown[{}].", i);
      if (!p.is_object()) bad(where, "want an object");
      MemoryPart part{read_str(p, "name", where), read_str(p, "region", where),
                      read_u64(p, "bytes", where)};
      if (part.region != "ram" && part.region != "flash")
        bad(where + "region", "want ram or flash");
      u.breakdown.push_back(std::move(part));
    }
  }
  return u;
}

std::optional<MemoryUsage> read_memory_usage(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    return memory_usage_from_json(json::parse(in));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string format_memory_usage(const MemoryUsage& u) {
  std::string out = bar_line("RAM", u.ram) + bar_line("Flash", u.flash);
  for (const auto& p : u.breakdown) {
    out += fmt::format("  {:<28} {:>9} bytes  {}\n", p.name, p.bytes,
                       p.region == "ram" ? "RAM" : "flash");
  }
  return out;
}

}  // namespace utvm::project_api
