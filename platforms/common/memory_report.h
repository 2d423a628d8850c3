// The memory report every built-in platform's `build` leaves behind, built once here: RAM and
// flash used against the board's, and the breakdown the model's metadata allows (model weights,
// workspace arena, I/O tensors, stack, and the runtime, link and rest of the firmware as what
// remains). Written to build/memory_report.json (project_api::MemoryUsage, read by the CLI) and
// build/memory_report.txt, and printed to the build log. Also the firmware footprint checks every
// platform makes: the sections of the linked image, the check that stops a model that cannot fit
// before it is linked (from the MLF metadata), and the translation of the linker's "region
// overflowed" into "needs X KiB of RAM, board has Y KiB".
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/project_record.h"
#include "utvm/platforms/board.h"
#include "utvm/project_api/memory_usage.h"

namespace utvm::platforms {

// What generate_project knew of the model from its metadata (ProjectRecord::footprint).
struct ModelMemory {
  std::uint64_t weights = 0;    // constants ("constants", else "flash")
  std::uint64_t workspace = 0;  // the workspace arena ("workspace")
  std::uint64_t io = 0;         // input and output tensors ("io")
  bool weights_in_ram = false;  // AVR: the constants are copied to RAM
};
// From the project's recorded footprint; missing fields are 0 (older projects).
ModelMemory model_memory(const Footprint& footprint);

// The firmware's use of `ram` and `flash` on `board`, broken down: flash into model weights and
// the rest; RAM into workspace arena, I/O tensors, (weights,) stack and the rest. A part of 0 bytes
// is left out, and so is "the rest" when the parts already account for everything.
project_api::MemoryUsage firmware_memory_usage(const std::string& board,
                                               project_api::MemoryRegionUse ram,
                                               project_api::MemoryRegionUse flash,
                                               std::uint64_t stack, const ModelMemory& model);

// Writes build_dir/memory_report.json and .txt and prints the text on stderr (the build log).
void write_memory_report(const std::filesystem::path& build_dir,
                         const project_api::MemoryUsage& usage);

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

// From `size -A -d firmware.elf` (arm-none-eabi-size, avr-size): the sections of the linked
// image against the board's flash and RAM.
MemoryReport parse_size_output(const std::string& size_output, const platforms::Board& board);

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
void check_model_fits(const ModelFootprint& footprint, const platforms::Board& board,
                      const std::string& model_name);

}  // namespace utvm::platforms
