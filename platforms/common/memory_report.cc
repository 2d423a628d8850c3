#include "common/memory_report.h"

#include <cstdio>

#include "common/server_util.h"

namespace utvm::platforms {
namespace api = utvm::project_api;
using json = nlohmann::json;

ModelMemory model_memory(const Footprint& footprint) {
  ModelMemory m;
  m.weights = footprint.constants;
  m.workspace = footprint.workspace;
  m.io = footprint.io;
  m.weights_in_ram = footprint.weights_in_ram;
  return m;
}

api::MemoryUsage firmware_memory_usage(const std::string& board, api::MemoryRegionUse ram,
                                       api::MemoryRegionUse flash, std::uint64_t stack,
                                       const ModelMemory& model) {
  api::MemoryUsage u;
  u.board = board;
  u.ram = ram;
  u.flash = flash;
  auto add = [&](const char* name, const char* region, std::uint64_t bytes) {
    if (bytes) u.breakdown.push_back({name, region, bytes});
  };
  // What remains of `used` after `parts`; 0 when they account for all of it (or more: the
  // metadata's figures are estimates).
  auto rest = [](std::uint64_t used, std::uint64_t parts) {
    return used > parts ? used - parts : 0;
  };

  add("model weights", "flash", model.weights);
  add("runtime, link and the rest", "flash", rest(flash.used, model.weights));
  const std::uint64_t weights_ram = model.weights_in_ram ? model.weights : 0;
  add("workspace arena", "ram", model.workspace);
  add("I/O tensors", "ram", model.io);
  add("model weights (copied to RAM)", "ram", weights_ram);
  add("stack", "ram", stack);
  add("runtime, link and the rest", "ram",
      rest(ram.used, model.workspace + model.io + weights_ram + stack));
  return u;
}

void write_memory_report(const std::filesystem::path& build_dir, const api::MemoryUsage& usage) {
  const std::string text = api::format_memory_usage(usage);
  write_file(build_dir / "memory_report.txt", text);
  write_file(build_dir / "memory_report.json", api::to_json(usage).dump(2) + "\n");
  std::fputs(text.c_str(), stderr);
}

}  // namespace utvm::platforms
