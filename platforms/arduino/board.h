// Board data of the arduino platform (boards.json, keyed by TVM's Arduino board names): the FQBN
// the Arduino tools build for, the memory a sketch may use, the USB identity of the board's
// serial port, how avrdude programs it and, for boards emulated here, which MCU simavr runs.
// Reading is strict: a board with a missing or mistyped field is reported with the file and name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace utvm::platforms::arduino {

struct Board {
  std::string name;
  std::string description;
  std::string fqbn;  // package:architecture:board[:menu=option,...]
  std::string model;
  std::string arch;  // "avr" boards build with Debian's arduino-builder when arduino-cli is absent
  std::string mcu;
  std::uint64_t cpu_clock_hz = 0;
  std::uint64_t flash_bytes = 0, ram_bytes = 0;
  std::uint64_t ram_start = 0;  // AVR: first SRAM address in the data space (0x100, 0x200)
  std::optional<std::uint16_t> vid, pid;
  unsigned baud = 115200;
  std::string avrdude_part, avrdude_programmer;  // empty unless the board has avrdude data
  std::string simavr_mcu;                        // empty unless simavr emulates the board
  std::string note;

  bool is_avr() const { return arch == "avr"; }
  bool emulated() const { return !simavr_mcu.empty(); }
};

// Every board in `path`, by name. Throws utvm::Error(kBadInput) naming the file and board.
std::map<std::string, Board> load_boards(const std::filesystem::path& path);

// The board `name`; throws utvm::Error(kOption) listing the known boards otherwise.
Board find_board(const std::filesystem::path& path, const std::string& name);

}  // namespace utvm::platforms::arduino
