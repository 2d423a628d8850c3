/* Firmware entry for an MLPerf Tiny project (project_type=mlperf_tiny): the DUT of the MLPerf Tiny
 * serial protocol over the board's UART, on the first module of the generated glue. The
 * generated src/utvm_mlperf_config.c supplies the benchmark's settings and the sample buffer.
 * startup.c has already set up memory, the UART (at UTVM_UART_BAUD) and the timer. */
#include <stddef.h>
#include <stdint.h>

#include "cortexm.h"
#include "utvm/mlperf_dut.h"
#include "utvm/model.h"

extern const utvm_mlperf_config_t utvm_mlperf_config;
extern uint8_t utvm_mlperf_sample[];
extern const size_t utvm_mlperf_sample_bytes;

static utvm_mlperf_dut_t g_dut;

int main(void) {
  utvm_mlperf_init(&g_dut, &utvm_mlperf_config, &utvm_model, utvm_mlperf_sample,
                   utvm_mlperf_sample_bytes);
  utvm_mlperf_serve(&g_dut);
  return 0;
}
