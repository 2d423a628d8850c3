/* The contract between generated executor glue and utvm's device runtime.
 * The executor generators (AOT C interface, packed AOT, lowered graph executor) emit one C file
 * per firmware defining `utvm_models`: one utvm_model_t per MLF module, each with static, aligned
 * I/O buffers described by utvm_tensor_t tables and a `run` function that executes that module
 * once on them. The link (link.h) serves this table; nothing else about the models is visible
 * to the runtime. */
#ifndef UTVM_MODEL_H_
#define UTVM_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One input or output tensor. dtype_code follows DLPack (0 int, 1 uint, 2 float, 4 bfloat). */
typedef struct {
  const char* name;
  uint8_t dtype_code;
  uint8_t dtype_bits;
  uint16_t dtype_lanes;
  uint8_t ndim;
  const int64_t* shape; /* ndim entries */
  uint8_t* data;        /* nbytes of writable storage, 16-byte aligned */
  uint32_t nbytes;
} utvm_tensor_t;

typedef struct {
  const char* name;     /* the MLF module name, e.g. "default" */
  const char* build_id; /* identifies the firmware build (e.g. a hash of model + options) */
  uint16_t num_inputs;
  uint16_t num_outputs;
  utvm_tensor_t* inputs;
  utvm_tensor_t* outputs;
  int32_t (*run)(void); /* 0 on success, otherwise the model's error code */
} utvm_model_t;

/* Defined by the generated glue: every module of the firmware, in the MLF archive's order
 * (the link's module index), and how many there are (at least 1). */
extern const utvm_model_t* const utvm_models[];
extern const uint16_t utvm_num_models;

/* The first (for most firmware the only) module. */
#define utvm_model (*utvm_models[0])

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_MODEL_H_ */
