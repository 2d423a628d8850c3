/* Zephyr app of utvm's zephyr platform: serves the generated utvm_model (src/utvm_glue.c) over
 * utvm's link protocol on the console UART until the link dies, then reboots. */
#include <stdint.h>

#include <zephyr/kernel.h>
#include <zephyr/sys/reboot.h>

#include "utvm/link.h"
#include "utvm/model.h"

int utvm_zephyr_port_init(void);

static uint8_t g_rx[256] __aligned(4);

int main(void) {
  if (utvm_zephyr_port_init() != 0) {
    return -1; /* no console UART: nothing to serve on */
  }
  utvm_link_serve(utvm_models, utvm_num_models, g_rx, sizeof g_rx);
  sys_reboot(SYS_REBOOT_COLD);
  return 0;
}
