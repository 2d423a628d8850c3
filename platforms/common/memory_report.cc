#include "common/memory_report.h"

#include <cstdio>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "common/files.h"
#include "utvm/common/error.h"

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

MemoryReport parse_size_output(const std::string& size_output, const platforms::Board& board) {
  MemoryReport r;
  r.board = board.name;
  r.flash_size = board.flash.size;
  r.ram_size = board.ram.size;
  std::istringstream in(size_output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string section;
    std::uint64_t size = 0;
    if (!(fields >> section >> size) || section.empty() || section[0] != '.') continue;
    if (section == ".isr_vector" || section == ".text" || section == ".ARM.exidx" ||
        section == ".rodata") {
      r.text += size;
    } else if (section == ".data") {
      r.data += size;
    } else if (section == ".bss") {
      r.bss += size;
    } else if (section == ".stack") {
      r.stack += size;
    }
  }
  return r;
}

std::string does_not_fit(const std::string& what, const std::string& region, std::uint64_t needed,
                         std::uint64_t available, const std::string& board) {
  return fmt::format("{} needs {} KiB of {}, board {} has {} KiB", what, (needed + 1023) / 1024,
                     region, board, available / 1024);
}

std::optional<Overflow> parse_linker_overflow(const std::string& linker_output) {
  static const std::regex re("region [`'\"]?([A-Za-z0-9_]+)['\"]? overflowed by ([0-9]+) bytes");
  std::smatch m;
  if (!std::regex_search(linker_output, m, re)) return std::nullopt;
  return Overflow{m[1].str(), std::stoull(m[2].str())};
}

void check_model_fits(const ModelFootprint& f, const platforms::Board& board,
                      const std::string& model_name) {
  if (f.ram > board.ram.size) {
    throw Error(ExitCode::kBuildFailed, does_not_fit(fmt::format("model '{}'", model_name), "RAM",
                                                     f.ram, board.ram.size, board.name));
  }
  if (f.flash > board.flash.size) {
    throw Error(ExitCode::kBuildFailed, does_not_fit(fmt::format("model '{}'", model_name), "flash",
                                                     f.flash, board.flash.size, board.name));
  }
}

}  // namespace utvm::platforms
