/* port.h for Cortex-M: the link runs over the board's UART, time comes from the cycle timer, and
 * a RESET request resets the core through AIRCR (QEMU restarts the firmware, or exits when run
 * with -no-reboot). */
#include "utvm/port.h"

#include "cortexm.h"

int utvm_port_read(uint8_t* buf, size_t n) {
  if (n == 0) return 0;
  size_t got = 0;
  buf[got++] = utvm_cortexm_uart_getc();
  /* Take whatever else is already waiting, without blocking again. */
  while (got < n) {
    int c = utvm_cortexm_uart_try_getc();
    if (c < 0) break;
    buf[got++] = (uint8_t)c;
  }
  return (int)got;
}

int utvm_port_write(const uint8_t* buf, size_t n) {
  for (size_t i = 0; i < n; ++i)
    utvm_cortexm_uart_putc(buf[i]);
  return 0;
}

uint64_t utvm_port_time_ns(void) {
  uint64_t cycles = utvm_cortexm_cycles();
  uint64_t seconds = cycles / UTVM_CPU_CLOCK_HZ;
  uint64_t rest = cycles % UTVM_CPU_CLOCK_HZ;
  return seconds * 1000000000ull + rest * 1000000000ull / UTVM_CPU_CLOCK_HZ;
}

void utvm_port_reset(void) {
  utvm_cortexm_reset();
}
