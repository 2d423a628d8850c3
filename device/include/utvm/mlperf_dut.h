/* The device side of MLPerf Tiny's serial protocol (EEMBC's ULP-MLPerf test harness, as the
 * MLCommons runner speaks it; docs/mlperf-tiny.md): commands are ASCII text ending in '%', every
 * reply is zero or more CR LF lines and then "m-ready". The DUT answers name, profile, db load N,
 * db <hex>, db print, infer N W, results, timestamp and help; anything else gets
 * "e-[Unknown command: X]". Samples go into a caller-provided buffer, the first module of the
 * firmware (utvm_model) runs on them. Bytes go out through utvm_port_write, time comes from
 * utvm_port_time_ns. C99, no heap, no stdio, nothing but ASCII on the wire. */
#ifndef UTVM_MLPERF_DUT_H_
#define UTVM_MLPERF_DUT_H_

#include <stddef.h>
#include <stdint.h>

#include "utvm/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which benchmark: picks the model id printed by `profile`, the conversion of the sample into the
 * model input, and what `m-results-[...]` holds. */
typedef enum {
  UTVM_MLPERF_KWS01 = 0, /* int8 MFCC features, used as they are; one score per class */
  UTVM_MLPERF_IC01 = 1,  /* uint8 RGB; an int8 input gets each byte - 128; one score per class */
  UTVM_MLPERF_VWW01 = 2, /* as ic01 */
  UTVM_MLPERF_AD01 = 3   /* float32 LE frames; one score: the reconstruction's mean square error */
} utvm_mlperf_benchmark_t;

typedef struct {
  utvm_mlperf_benchmark_t benchmark;
  /* Dequantisation of an int8/uint8 output: value = scale * (q - zero_point). */
  float output_scale;
  int32_t output_zero_point;
  /* ad01 with an int8/uint8 input: q = round(x / scale) + zero_point, saturated. */
  float input_scale;
  int32_t input_zero_point;
  /* Digits after the point in m-results (the reference prints 3). */
  uint8_t result_decimals;
} utvm_mlperf_config_t;

/* The longest command kept (the reference keeps 80; the runner's longest is 65 plus '%'). Longer
 * commands overwrite their last character, as in the reference. */
#define UTVM_MLPERF_CMD_MAX 80

typedef struct {
  const utvm_mlperf_config_t* config;
  const utvm_model_t* model;
  uint8_t* sample; /* the db buffer */
  size_t sample_cap;
  size_t expected; /* bytes announced by `db load` (0: no load) */
  size_t loaded;
  char cmd[UTVM_MLPERF_CMD_MAX + 1];
  size_t cmd_len;
  int have_result;
  float ad_mse; /* ad01: the last result */
} utvm_mlperf_dut_t;

/* Sets up `dut` (no output). `sample` must hold the benchmark's sample: the model input's bytes
 * (ad01: 4 bytes per input element) and be 4-byte aligned. */
void utvm_mlperf_init(utvm_mlperf_dut_t* dut, const utvm_mlperf_config_t* config,
                      const utvm_model_t* model, uint8_t* sample, size_t sample_cap);

/* The reference's boot banner: m-timestamp-mode-performance, m-lap-us-T, m-init-done, m-ready. */
void utvm_mlperf_banner(utvm_mlperf_dut_t* dut);

/* One received byte: collected until '%', then the command runs and its reply (ending in
 * m-ready) is written. CR, LF and NUL are ignored. */
void utvm_mlperf_feed(utvm_mlperf_dut_t* dut, uint8_t c);

/* Banner, then serves commands read from utvm_port_read until the port reports a dead link;
 * returns -1 then. */
int utvm_mlperf_serve(utvm_mlperf_dut_t* dut);

/* Writes `v` as text the runner's float() reads: fixed with `decimals` digits when that shows it
 * (a non-zero value never prints as 0), otherwise d.dddddde[+-]x; nan and inf as such. Returns
 * the length; `out` must hold 32 bytes. */
size_t utvm_mlperf_format_float(float v, unsigned decimals, char* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_MLPERF_DUT_H_ */
