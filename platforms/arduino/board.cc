#include "board.h"

#include <algorithm>

namespace utvm::platforms::arduino {

void read_board(Board& b, const BoardFields& f) {
  f.require(!b.cpu.empty(), "cpu");
  f.require(!b.arch.empty(), "arch");
  f.require(!b.model.empty(), "model");
  f.require(b.cpu_clock_hz != 0, "cpu_clock_hz");
  f.require(b.flash.size != 0, "flash");
  f.require(b.ram.size != 0, "ram");
  if (b.emulator && b.emulator->kind != "simavr") f.bad("emulator.kind", "\"simavr\"");
  b.fqbn = f.str("fqbn");
  if (std::count(b.fqbn.begin(), b.fqbn.end(), ':') < 2)
    f.bad("fqbn", "package:architecture:board[:options]");
  if (const nlohmann::json* a = f.field("avrdude", false)) {
    b.avrdude_part = f.str_in(*a, "avrdude", "part");
    b.avrdude_programmer = f.str_in(*a, "avrdude", "programmer");
  }
  if (b.is_avr() && b.avrdude_part.empty()) f.bad("avrdude", "present for an AVR board");
  b.note = f.str("note", false);
}

}  // namespace utvm::platforms::arduino
