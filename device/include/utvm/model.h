/* The contract between generated executor glue and utvm's device runtime.
 * Every executor generator (AOT C interface, packed AOT, lowered graph executor) emits one C file
 * defining `utvm_model`: static, aligned I/O buffers described by utvm_tensor_t tables and a
 * `run` function that executes the model once on them. The link (link.h) serves this struct;
 * nothing else about the model is visible to the runtime. */
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

extern const utvm_model_t utvm_model; /* defined by the generated glue */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_MODEL_H_ */
