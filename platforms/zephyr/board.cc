#include "board.h"

namespace utvm::platforms::zephyr {

void read_board(Board& b, const BoardFields& f) {
  f.require(!b.model.empty(), "model");
  f.require(!b.arch.empty(), "arch");
  if (b.emulator) {
    if (b.emulator->kind != "qemu") f.bad("emulator.kind", "\"qemu\"");
    if (b.emulator->binary.empty()) f.bad("emulator.binary", "a non-empty string");
  } else if (!b.usb) {
    f.bad("vid_hex", "present on a real board (to find its serial port)");
  }
  b.zephyr_board = f.str("zephyr_board", false);
  if (b.zephyr_board.empty()) b.zephyr_board = b.name;
  if (f.field("recommended_heap_size_bytes", false))
    b.recommended_heap_size_bytes = f.number("recommended_heap_size_bytes");
  b.toolchain = f.string_map("toolchain");
  b.compile_options = f.strings("compile_options", false);
}

}  // namespace utvm::platforms::zephyr
