#include "memory_report.h"

#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "utvm/common/error.h"

namespace utvm::platforms::baremetal {

MemoryReport parse_size_output(const std::string& size_output, const Board& board) {
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

void check_model_fits(const ModelFootprint& f, const Board& board, const std::string& model_name) {
  if (f.ram > board.ram.size) {
    throw Error(ExitCode::kBuildFailed, does_not_fit(fmt::format("model '{}'", model_name), "RAM",
                                                     f.ram, board.ram.size, board.name));
  }
  if (f.flash > board.flash.size) {
    throw Error(ExitCode::kBuildFailed, does_not_fit(fmt::format("model '{}'", model_name), "flash",
                                                     f.flash, board.flash.size, board.name));
  }
}

}  // namespace utvm::platforms::baremetal
