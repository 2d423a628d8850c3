// Board data of the baremetal platform (boards.json): what the firmware build and QEMU need to
// know about a board. Reading is strict: a board missing a field is reported with the file and
// the board's name, so adding a board is adding data and nothing else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace utvm::platforms::baremetal {

struct MemoryRegion {
  std::uint64_t origin = 0;
  std::uint64_t size = 0;
};

struct Board {
  std::string name;
  std::string description;
  std::string cpu;
  std::vector<std::string> cflags;
  bool fpu = false;
  MemoryRegion flash, ram;
  std::string uart_kind;  // "cmsdk": device/ports/cortexm/uart_<kind>.c
  std::uint64_t uart_base = 0;
  std::string timer;  // "systick" | "dwt": device/ports/cortexm/timer_<timer>.c
  std::uint64_t cpu_clock_hz = 0;
  std::string qemu_machine;  // empty when the board is not emulated
  std::string qemu_cpu;
};

// Every board in `path`, by name. Throws utvm::Error(kBadInput) naming the file and board.
std::map<std::string, Board> load_boards(const std::filesystem::path& path);

// The board `name`; throws utvm::Error(kOption) listing the known boards otherwise.
Board find_board(const std::filesystem::path& path, const std::string& name);

}  // namespace utvm::platforms::baremetal
