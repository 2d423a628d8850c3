// Firmware footprint against the board: the sections of the linked image (turned into the build's
// memory report by platforms/common/memory_report.h), the check that stops a model that cannot fit
// before it is linked (from the MLF metadata), and the translation of the linker's "region
// overflowed" into "needs X KiB of RAM, board has Y KiB".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "board.h"

namespace utvm::platforms::baremetal {

struct MemoryReport {
  std::string board;
  std::uint64_t text = 0;   // code, constants, vector table (flash)
  std::uint64_t data = 0;   // initialised data (flash image + RAM)
  std::uint64_t bss = 0;    // zeroed data: I/O buffers, workspace arena (RAM)
  std::uint64_t stack = 0;  // reserved stack (RAM)
  std::uint64_t flash_size = 0, ram_size = 0;

  std::uint64_t flash_used() const { return text + data; }
  std::uint64_t ram_used() const { return data + bss + stack; }
};

// From `arm-none-eabi-size -A -d firmware.elf`.
MemoryReport parse_size_output(const std::string& size_output, const Board& board);

// "<what> needs X KiB of <region>, board <name> has Y KiB" (KiB rounded up / down).
std::string does_not_fit(const std::string& what, const std::string& region, std::uint64_t needed,
                         std::uint64_t available, const std::string& board);

struct Overflow {
  std::string region;  // "RAM" or "FLASH" as named in the linker script
  std::uint64_t bytes = 0;
};
// The first "region `X' overflowed by N bytes" in a linker's output.
std::optional<Overflow> parse_linker_overflow(const std::string& linker_output);

// What the model alone takes, from its metadata, plus the firmware's fixed costs.
struct ModelFootprint {
  std::uint64_t ram = 0;    // workspace arena + I/O buffers + stack + runtime's static data
  std::uint64_t flash = 0;  // constants
};
// Throws utvm::Error(kBuildFailed) with does_not_fit() when the footprint exceeds the board.
void check_model_fits(const ModelFootprint& footprint, const Board& board,
                      const std::string& model_name);

}  // namespace utvm::platforms::baremetal
