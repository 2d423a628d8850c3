/* Polled driver for the Arm CMSDK APB UART (MPS2 boards). Registers: DATA +0x00, STATE +0x04
 * (bit0 TX full, bit1 RX full), CTRL +0x08 (bit0 TX enable, bit1 RX enable), BAUDDIV +0x10.
 * QEMU ignores the baud rate but drops writes while BAUDDIV < 16. */
#include "cortexm.h"

#ifndef UTVM_UART_BASE
#error "UTVM_UART_BASE must be set from the board data"
#endif

#define UART_DATA UTVM_REG32(UTVM_UART_BASE + 0x00u)
#define UART_STATE UTVM_REG32(UTVM_UART_BASE + 0x04u)
#define UART_CTRL UTVM_REG32(UTVM_UART_BASE + 0x08u)
#define UART_BAUDDIV UTVM_REG32(UTVM_UART_BASE + 0x10u)

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u

#ifndef UTVM_UART_BAUD
#define UTVM_UART_BAUD 115200u
#endif

void utvm_cortexm_uart_init(void) {
  /* UTVM_UART_BAUD (115200 unless the project sets it) from the CPU clock on hardware; QEMU
   * ignores the rate but needs the divider to be >= 16. */
  UART_BAUDDIV =
      UTVM_CPU_CLOCK_HZ / UTVM_UART_BAUD < 16u ? 16u : UTVM_CPU_CLOCK_HZ / UTVM_UART_BAUD;
  UART_CTRL = 0x3u;
}

void utvm_cortexm_uart_putc(uint8_t c) {
  while (UART_STATE & STATE_TX_FULL) {
  }
  UART_DATA = c;
}

uint8_t utvm_cortexm_uart_getc(void) {
  while (!(UART_STATE & STATE_RX_FULL)) {
  }
  return (uint8_t)(UART_DATA & 0xFFu);
}

int utvm_cortexm_uart_try_getc(void) {
  if (!(UART_STATE & STATE_RX_FULL)) return -1;
  return (int)(UART_DATA & 0xFFu);
}

void utvm_cortexm_uart_puts(const char* s) {
  while (*s)
    utvm_cortexm_uart_putc((uint8_t)*s++);
}

void utvm_cortexm_uart_puthex(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  utvm_cortexm_uart_puts("0x");
  for (int shift = 28; shift >= 0; shift -= 4)
    utvm_cortexm_uart_putc(kDigits[(v >> shift) & 0xFu]);
}
