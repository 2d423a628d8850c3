/* utvm's declarations of TVM's C metadata types ("tvm/runtime/metadata_types.h", TVM 0.9-0.18).
 * Packed-interface AOT code (interface-api=packed) defines `<prefix>_get_c_metadata`, a packed
 * function returning a `const struct TVMMetadata*` whose tables describe the model's run
 * arguments. Written from the documented layout (member order and types as TVM's, so the
 * generated static initialisers compile unchanged and a reader sees the same bytes). */
#ifndef TVM_RUNTIME_METADATA_TYPES_H_
#define TVM_RUNTIME_METADATA_TYPES_H_

#include <inttypes.h>
#include <tvm/runtime/c_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

struct TVMTensorInfo;
struct TVMConstantInfo;

/* The whole description; `version` is 1 for every TVM release that emits it. Inputs, then
 * outputs, then workspace pools are the run function's arguments, in that order. */
struct TVMMetadata {
  int64_t version;
  const struct TVMTensorInfo* inputs;
  int64_t num_inputs;
  const struct TVMTensorInfo* outputs;
  int64_t num_outputs;
  const struct TVMTensorInfo* workspace_pools;
  int64_t num_workspace_pools;
  const struct TVMConstantInfo* constant_pools;
  int64_t num_constant_pools;
  const char* mod_name; /* the symbol prefix, e.g. "tvmgen_default" */
};

/* One tensor argument: Relay name, shape (num_shape entries) and element type. */
struct TVMTensorInfo {
  const char* name;
  const int64_t* shape;
  int64_t num_shape;
  DLDataType dtype;
};

/* One constant pool member: where it sits in the pool and its serialised NDArray bytes. */
struct TVMConstantInfo {
  const char* name_hint;
  int64_t byte_offset;
  int64_t data_len;
  const void* data_bytes;
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TVM_RUNTIME_METADATA_TYPES_H_ */
