// Board data of the zephyr platform (boards.json, keyed by Zephyr board name): the common board
// model (utvm/platforms/board.h) plus what building a Zephyr application for the board needs
// (under "zephyr" in boards.json). Reading is strict: a board with a missing or mistyped field
// is reported with the file and board name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "utvm/platforms/board.h"

namespace utvm::platforms::zephyr {

struct Board : platforms::Board {
  // The name Zephyr >= 3.6 (hardware model v2) knows the board by, e.g. mps2/an521/cpu0 for
  // mps2_an521; equal to `name` unless boards.json says "zephyr_board".
  std::string zephyr_board;
  std::optional<std::uint64_t> recommended_heap_size_bytes;
  std::map<std::string, std::string> toolchain;  // environment for SDK-less builds
  std::vector<std::string> compile_options;      // extra flags for the app (utvm's and model's)

  // Emulated by QEMU (Zephyr's run target); a real board otherwise.
  bool is_qemu() const { return emulator.has_value(); }
};

// This platform's reading of one board (`board` holds the common fields): what it requires and
// its own fields; utvm::Error(kBadInput) naming the file, board and field.
void read_board(Board& board, const BoardFields& fields);

// This platform's boards: kBoards.load(file) and kBoards.find(file, name) (unknown board:
// utvm::Error(kOption) listing the known ones).
inline constexpr BoardSchema<Board> kBoards{"zephyr", &read_board};

}  // namespace utvm::platforms::zephyr
