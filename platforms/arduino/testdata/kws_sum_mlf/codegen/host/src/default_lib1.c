// tvm target: c -keys=cpu
#define TVM_EXPORTS
#include <math.h>
#include <stdbool.h>
#include "tvm/runtime/c_backend_api.h"
#include "tvm/runtime/c_runtime_api.h"

#ifdef __cplusplus
extern "C"
#endif
    TVM_DLL int32_t
    tvmgen_default_fused_sum_divide_clip_cast(int8_t* p0, int8_t* T_cast);
#ifdef __cplusplus
extern "C"
#endif
    TVM_DLL int32_t
    tvmgen_default___tvm_main__(int8_t* input_1_buffer_var, int8_t* Identity_buffer_var);
#ifdef __cplusplus
extern "C"
#endif
    TVM_DLL int32_t
    tvmgen_default_fused_sum_divide_clip_cast(int8_t* p0, int8_t* T_cast) {
  for (int32_t ax1 = 0; ax1 < 12; ++ax1) {
    int32_t p0_red = 0;
    for (int32_t k2 = 0; k2 < 40; ++k2) {
      p0_red = (p0_red + ((int32_t)p0[((ax1 * 40) + k2)]));
    }
    int32_t v_ = p0_red / 8;
    v_ = ((v_) < (127) ? (v_) : (127));
    T_cast[ax1] = ((int8_t)((v_) > (-128) ? (v_) : (-128)));
  }
  return 0;
}

#ifdef __cplusplus
extern "C"
#endif
    TVM_DLL int32_t
    tvmgen_default___tvm_main__(int8_t* input_1_buffer_var, int8_t* Identity_buffer_var) {
  if (tvmgen_default_fused_sum_divide_clip_cast(input_1_buffer_var, Identity_buffer_var) != 0)
    return -1;
  return 0;
}
