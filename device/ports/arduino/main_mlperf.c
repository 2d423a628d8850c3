/* The sketch's entry for an MLPerf Tiny project (project_type=mlperf_tiny): the portable DUT
 * (device/mlperf/mlperf_dut.c) on the first module of the generated glue, over this port's
 * utvm_port_read/write (USART0 at UTVM_BAUD, the benchmark's rate) with time from
 * utvm_port_time_ns (Timer1 on AVR, micros() elsewhere). The generated src/utvm_mlperf_config.c
 * supplies the benchmark's settings and the static sample buffer. Compiled to nothing in
 * host-driven sketches (utvm_config.h defines UTVM_MLPERF_TINY only for MLPerf projects). C99,
 * no heap. */
#include "utvm_config.h"

#if defined(UTVM_MLPERF_TINY)

#include <stddef.h>
#include <stdint.h>

#include "arduino_port.h"
#include "utvm/mlperf_dut.h"
#include "utvm/model.h"
#include "utvm/port.h"

extern const utvm_mlperf_config_t utvm_mlperf_config;
extern uint8_t utvm_mlperf_sample[];
extern const size_t utvm_mlperf_sample_bytes;

static utvm_mlperf_dut_t g_dut;

void utvm_arduino_serve_mlperf(void) {
  utvm_mlperf_init(&g_dut, &utvm_mlperf_config, &utvm_model, utvm_mlperf_sample,
                   utvm_mlperf_sample_bytes);
  utvm_mlperf_serve(&g_dut);
  /* A UART never reports a dead link; should serve return, start over cleanly. */
  utvm_port_reset();
}

#endif /* UTVM_MLPERF_TINY */
