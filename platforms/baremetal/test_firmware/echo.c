/* UART echo for transport tests: prints READY, then echoes every byte it receives, forever. */
#include "cortexm.h"

int main(void) {
  utvm_cortexm_uart_puts("READY\n");
  for (;;)
    utvm_cortexm_uart_putc(utvm_cortexm_uart_getc());
}
