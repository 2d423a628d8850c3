/* Board bring-up check: prints a greeting, proves .data/.bss were set up and the cycle timer
 * advances, then resets (QEMU run with -no-reboot exits with status 0). */
#include <stdint.h>

#include "cortexm.h"

static volatile uint32_t g_data = 41u;
static volatile uint32_t g_bss;

int main(void) {
  utvm_cortexm_uart_puts("utvm hello on " UTVM_BOARD_NAME "\n");
  if (g_data + 1u + g_bss == 42u) utvm_cortexm_uart_puts("data/bss OK\n");
  uint64_t t0 = utvm_cortexm_cycles();
  for (volatile uint32_t i = 0; i < 100000u; ++i) {
  }
  uint64_t t1 = utvm_cortexm_cycles();
  utvm_cortexm_uart_puts(t1 > t0 ? "timer OK " : "timer STUCK ");
  utvm_cortexm_uart_puthex((uint32_t)(t1 - t0));
  utvm_cortexm_uart_puts("\n");
#if defined(__ARM_FP)
  volatile float x = 1.5f;
  if (x * 2.0f == 3.0f) utvm_cortexm_uart_puts("fpu OK\n");
#endif
  utvm_cortexm_uart_puts("DONE\n");
  return 0;
}
