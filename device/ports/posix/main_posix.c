/* main() of a POSIX device program: generated glue + model sources + device runtime + link +
 * this port. Serves utvm_model over stdin/stdout until the host closes the pipe.
 * Usage: <program> [--rx-buffer BYTES]   (16..65537, default 8192; 64 mimics a small MCU) */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "utvm/link.h"
#include "utvm/model.h"

#define UTVM_POSIX_RX_MAX (65535 + 2)
static uint8_t g_rx[UTVM_POSIX_RX_MAX];

int main(int argc, char** argv) {
  size_t rx_len = 8192;
  int i;
  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--rx-buffer") == 0 && i + 1 < argc) {
      long v = strtol(argv[++i], NULL, 10);
      if (v < UTVM_LINK_MIN_RX_BUFFER || v > UTVM_POSIX_RX_MAX) return 2;
      rx_len = (size_t)v;
    } else {
      return 2;
    }
  }
  /* A host that goes away must end the serve loop through a write error, not kill us. */
  signal(SIGPIPE, SIG_IGN);
  return utvm_link_serve(utvm_models, utvm_num_models, g_rx, rx_len) == UTVM_LINK_E_DEAD_LINK ? 0
                                                                                              : 1;
}
