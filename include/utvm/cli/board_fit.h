// Whether a model can fit a board, from the MLF's metadata and the board's data alone (before any
// project is generated or built): `utvm boards --fits MODEL` and create-project's warning. The
// figures are lower bounds (the model's own buffers and weights, without the runtime, link buffer
// and stack each platform adds); the platform's build makes the exact check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "utvm/mlf/model.h"
#include "utvm/platforms/board.h"

namespace utvm::cli {

// What the model alone needs: the workspace arena (largest module's default, the modules share
// one), every module's input and output tensors (RAM), and its constants (flash).
struct ModelNeeds {
  std::uint64_t arena = 0, io = 0, constants = 0;
};
ModelNeeds model_needs(const mlf::Model& model);

// A board's RAM and flash (a size of 0 is unknown); `avr` when the board's arch is AVR (the
// weights are copied to RAM there).
struct BoardMemory {
  std::optional<std::uint64_t> ram, flash;
  bool avr = false;
};
BoardMemory board_memory(const platforms::Board& board);

struct Fit {
  std::uint64_t ram_needed = 0, flash_needed = 0;
  std::optional<std::uint64_t> ram, flash;  // the board's; unknown sizes do not fail
  std::uint64_t ram_short() const { return ram && ram_needed > *ram ? ram_needed - *ram : 0; }
  std::uint64_t flash_short() const {
    return flash && flash_needed > *flash ? flash_needed - *flash : 0;
  }
  bool fits() const { return ram_short() == 0 && flash_short() == 0; }
};
Fit fit(const ModelNeeds& needs, const BoardMemory& board);

// "RAM short by 3.2 KiB" (or "by 24 B" under 1 KiB) / "flash short by ..." joined with ", ";
// empty when it fits.
std::string shortfall_text(const Fit& f);

}  // namespace utvm::cli
