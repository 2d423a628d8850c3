#include "board.h"

#include <fmt/format.h>

#include "common/quoting.h"

namespace utvm::platforms::baremetal {

void read_board(Board& b, const BoardFields& f) {
  f.require(!b.cpu.empty(), "cpu");
  f.require(b.flash.size != 0, "flash");
  f.require(b.ram.size != 0, "ram");
  f.require(b.cpu_clock_hz != 0, "cpu_clock_hz");
  if (b.emulator && b.emulator->kind != "qemu") f.bad("emulator.kind", "\"qemu\"");
  b.cflags = f.strings("cflags");
  const nlohmann::json& uart = *f.field("uart");
  b.uart_kind = f.str_in(uart, "uart", "kind");
  b.uart_base = f.number_in(uart, "uart", "base");
  b.timer = f.str("timer");
  if (b.timer != "systick" && b.timer != "dwt") f.bad("timer", "\"systick\" or \"dwt\"");
}

std::string board_cmake(const Board& board) {
  auto hex = [](std::uint64_t n) { return fmt::format("0x{:08x}", n); };
  std::string out = "# Written by utvm create-project: board " + board.name + " of boards.json.\n";
  out += "set(UTVM_BOARD " + cmake_quote(board.name) + ")\n";
  out += "set(UTVM_CPU_FLAGS" + cmake_list(board.cflags) + ")\n";
  out += "set(UTVM_FLASH_ORIGIN " + hex(board.flash.origin) + ")\n";
  out += "set(UTVM_FLASH_SIZE " + hex(board.flash.size) + ")\n";
  out += "set(UTVM_RAM_ORIGIN " + hex(board.ram.origin) + ")\n";
  out += "set(UTVM_RAM_SIZE " + hex(board.ram.size) + ")\n";
  out += "set(UTVM_UART_KIND " + cmake_quote(board.uart_kind) + ")\n";
  out += "set(UTVM_UART_BASE " + hex(board.uart_base) + ")\n";
  out += "set(UTVM_TIMER " + cmake_quote(board.timer) + ")\n";
  out += fmt::format("set(UTVM_CPU_CLOCK_HZ {})\n", board.cpu_clock_hz);
  return out;
}

}  // namespace utvm::platforms::baremetal
