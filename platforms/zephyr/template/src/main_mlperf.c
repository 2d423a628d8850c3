/* Zephyr app of utvm's zephyr platform for project_type=mlperf_tiny: the MLPerf Tiny DUT
 * (runtime/mlperf/mlperf_dut.c) on the console UART, on the first module of src/utvm_glue.c; the
 * benchmark's settings and the sample buffer are in src/utvm_mlperf_config.c. With the project
 * option baud the UART is reconfigured to that rate (UTVM_UART_BAUD); otherwise it keeps the
 * devicetree's. */
#include <stddef.h>
#include <stdint.h>

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>

#include "utvm/mlperf_dut.h"
#include "utvm/model.h"

int utvm_zephyr_port_init(void);

extern const utvm_mlperf_config_t utvm_mlperf_config;
extern uint8_t utvm_mlperf_sample[];
extern const size_t utvm_mlperf_sample_bytes;

static utvm_mlperf_dut_t g_dut;

int main(void) {
#if defined(UTVM_UART_BAUD) && defined(CONFIG_UART_USE_RUNTIME_CONFIGURE)
  const struct device* const uart = DEVICE_DT_GET(DT_CHOSEN(zephyr_console));
  struct uart_config cfg;
  if (device_is_ready(uart) && uart_config_get(uart, &cfg) == 0) {
    cfg.baudrate = UTVM_UART_BAUD;
    (void)uart_configure(uart, &cfg); /* emulated UARTs may not support it: keep their rate */
  }
#endif
  if (utvm_zephyr_port_init() != 0) {
    return -1; /* no console UART: nothing to serve on */
  }
  utvm_mlperf_init(&g_dut, &utvm_mlperf_config, &utvm_model, utvm_mlperf_sample,
                   utvm_mlperf_sample_bytes);
  utvm_mlperf_serve(&g_dut);
  return 0;
}
