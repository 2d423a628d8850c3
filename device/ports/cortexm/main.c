/* Firmware entry for a model project: serves the generated utvm_model over the UART link until
 * the link dies (which a UART never reports), then resets. startup.c has already set up memory,
 * the UART and the timer. */
#include <stdint.h>

#include "cortexm.h"
#include "utvm/link.h"
#include "utvm/model.h"

static uint8_t g_rx[256] __attribute__((aligned(4)));

int main(void) {
  utvm_link_serve(utvm_models, utvm_num_models, g_rx, sizeof g_rx);
  return 0;
}
