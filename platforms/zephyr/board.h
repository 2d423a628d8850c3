// Board data of the zephyr platform (boards.json, keyed by Zephyr board name): what generating,
// building, flashing and finding the board's serial port need. Reading is strict: a board with a
// missing or mistyped field is reported with the file and board name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace utvm::platforms::zephyr {

struct QemuData {
  std::string binary;  // qemu-system-arm
  std::string machine;
  std::string cpu;
  std::vector<std::string> args;
};

struct Board {
  std::string name;
  // The name Zephyr >= 3.6 (hardware model v2) knows the board by, e.g. mps2/an521/cpu0 for
  // mps2_an521; equal to `name` unless boards.json says "zephyr_board".
  std::string zephyr_board;
  std::string model;
  std::string arch;
  bool is_qemu = false;
  bool fpu = false;
  std::optional<std::uint16_t> vid, pid;  // USB identity of the board's debug probe / UART
  std::uint64_t flash_kib = 0, ram_kib = 0;
  unsigned baud = 115200;
  std::optional<std::uint64_t> recommended_heap_size_bytes;
  std::string flash_runner;                      // west's runner; empty = Zephyr's default
  std::map<std::string, std::string> toolchain;  // environment for SDK-less builds
  std::vector<std::string> compile_options;      // extra flags for the app (utvm's and model's)
  std::optional<QemuData> qemu;                  // set for emulated boards
};

// Every board in `path`, by name. Throws utvm::Error(kBadInput) naming the file and board.
std::map<std::string, Board> load_boards(const std::filesystem::path& path);

// The board `name`; throws utvm::Error(kOption) listing the known boards otherwise.
Board find_board(const std::filesystem::path& path, const std::string& name);

}  // namespace utvm::platforms::zephyr
