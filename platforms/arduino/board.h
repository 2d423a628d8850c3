// Board data of the arduino platform (boards.json, keyed by TVM's Arduino board names): the
// common board model (utvm/platforms/board.h: the MCU as `cpu`, the memory a sketch may use, the
// USB identity of the board's serial port, simavr as the emulator of the boards emulated here)
// plus, under "arduino", the FQBN the Arduino tools build for and how avrdude programs it.
// Reading is strict: a board with a missing or mistyped field is reported with the file and name.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "utvm/platforms/board.h"

namespace utvm::platforms::arduino {

struct Board : platforms::Board {
  std::string fqbn;                              // package:architecture:board[:menu=option,...]
  std::string avrdude_part, avrdude_programmer;  // empty unless the board has avrdude data
  std::string note;

  // "avr" boards build with Debian's arduino-builder when arduino-cli is absent.
  bool is_avr() const { return arch == "avr"; }
  bool emulated() const { return emulator.has_value(); }
};

// This platform's reading of one board (`board` holds the common fields): what it requires and
// its own fields; utvm::Error(kBadInput) naming the file, board and field.
void read_board(Board& board, const BoardFields& fields);

// This platform's boards: kBoards.load(file) and kBoards.find(file, name) (unknown board:
// utvm::Error(kOption) listing the known ones).
inline constexpr BoardSchema<Board> kBoards{"arduino", &read_board};

}  // namespace utvm::platforms::arduino
