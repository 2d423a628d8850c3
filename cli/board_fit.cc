#include "utvm/cli/board_fit.h"

#include <algorithm>

#include <fmt/format.h>

#include "utvm/codegen/glue.h"

namespace utvm::cli {

namespace {

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

BoardMemory board_memory(const platforms::Board& board) {
  BoardMemory m;
  if (board.ram.size != 0) m.ram = board.ram.size;
  if (board.flash.size != 0) m.flash = board.flash.size;
  m.avr = board.arch == "avr";
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
