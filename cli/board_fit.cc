#include "utvm/cli/board_fit.h"

#include <algorithm>

#include <fmt/format.h>

#include "utvm/codegen/glue.h"

namespace utvm::cli {
using json = nlohmann::json;

namespace {

// A size as boards files write it: a number, or a decimal / "0x" hex string.
std::optional<std::uint64_t> size_value(const json& v) {
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::uint64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  try {
    std::size_t used = 0;
    std::uint64_t n = std::stoull(s, &used, 0);
    if (used == s.size()) return n;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<std::uint64_t> region_bytes(const json& b, const std::string& region) {
  if (auto it = b.find(region); it != b.end() && it->is_object() && it->contains("size"))
    return size_value((*it)["size"]);
  if (auto it = b.find(region + "_bytes"); it != b.end()) return size_value(*it);
  if (auto it = b.find(region + "_kib"); it != b.end()) {
    if (auto kib = size_value(*it)) return *kib * 1024;
  }
  return std::nullopt;
}

// A region of 0 bytes is one the board does not have apart (qemu_x86: no flash): unknown.
std::optional<std::uint64_t> region_size(const json& b, const std::string& region) {
  auto n = region_bytes(b, region);
  return n && *n ? n : std::nullopt;
}

std::string kib(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0);
}

}  // namespace

ModelNeeds model_needs(const mlf::Model& model) {
  ModelNeeds n;
  for (const auto& m : model.modules) {
    n.arena = std::max(n.arena, codegen::default_arena_bytes(m.workspace_size_bytes));
    n.io += m.io_size_bytes;
    n.constants += m.constants_size_bytes;
  }
  return n;
}

BoardMemory board_memory(const json& b) {
  BoardMemory m;
  if (!b.is_object()) return m;
  m.ram = region_size(b, "ram");
  m.flash = region_size(b, "flash");
  m.avr = b.value("arch", std::string()) == "avr";
  return m;
}

Fit fit(const ModelNeeds& needs, const BoardMemory& board) {
  Fit f;
  f.ram_needed = needs.arena + needs.io + (board.avr ? needs.constants : 0);
  f.flash_needed = needs.constants;
  f.ram = board.ram;
  f.flash = board.flash;
  return f;
}

std::string shortfall_text(const Fit& f) {
  std::string out;
  if (f.ram_short()) out = "RAM short by " + kib(f.ram_short());
  if (f.flash_short())
    out += (out.empty() ? "" : ", ") + ("flash short by " + kib(f.flash_short()));
  return out;
}

}  // namespace utvm::cli
