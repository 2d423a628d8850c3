// Board data of the baremetal platform: the common board model (utvm/platforms/board.h) plus
// what the firmware build needs of a Cortex-M board (its compiler flags, UART and timer, under
// "baremetal" in boards.json). Reading is strict: a board missing a field is reported with the
// file and the board's name, so adding a board is adding data and nothing else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "utvm/platforms/board.h"

namespace utvm::platforms::baremetal {

struct Board : platforms::Board {
  std::vector<std::string> cflags;
  std::string uart_kind;  // "cmsdk": device/ports/cortexm/uart_<kind>.c
  std::uint64_t uart_base = 0;
  std::string timer;  // "systick" | "dwt": device/ports/cortexm/timer_<timer>.c
};

// This platform's reading of one board (`board` holds the common fields): what it requires and
// its own fields; utvm::Error(kBadInput) naming the file, board and field.
void read_board(Board& board, const BoardFields& fields);

// This platform's boards: kBoards.load(file) and kBoards.find(file, name) (unknown board:
// utvm::Error(kOption) listing the known ones).
inline constexpr BoardSchema<Board> kBoards{"baremetal", &read_board};

// board.cmake: the board's facts as the plain CMake variables the firmware's CMakeLists reads
// (UTVM_BOARD, UTVM_CPU_FLAGS, UTVM_{FLASH,RAM}_{ORIGIN,SIZE}, UTVM_UART_{KIND,BASE},
// UTVM_TIMER, UTVM_CPU_CLOCK_HZ), so the build never parses boards.json.
std::string board_cmake(const Board& board);

}  // namespace utvm::platforms::baremetal
