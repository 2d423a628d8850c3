/* utvm's declarations of TVM's CRT function registry ("tvm/runtime/crt/func_registry.h"): the
 * table a system-lib build emits (TVMSystemLibEntryPoint) mapping kernel names to packed C
 * functions. The names blob is: uint16 count (little-endian), then each name NUL-terminated. */
#ifndef TVM_RUNTIME_CRT_FUNC_REGISTRY_H_
#define TVM_RUNTIME_CRT_FUNC_REGISTRY_H_

#include <tvm/runtime/c_backend_api.h>
#include <tvm/runtime/crt/error_codes.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t tvm_function_index_t;
typedef uint16_t tvm_module_index_t;

typedef struct TVMFuncRegistry {
  /* uint16 count, then count NUL-terminated names. */
  const char* names;
  /* count function pointers, in the same order as names. */
  const TVMBackendPackedCFunc* funcs;
} TVMFuncRegistry;

/* Number of functions in reg. */
uint16_t TVMFuncRegistry_GetNumFuncs(const TVMFuncRegistry* reg);

/* Finds name; sets *function_index. kTvmErrorFunctionNameNotFound when absent. */
tvm_crt_error_t TVMFuncRegistry_Lookup(const TVMFuncRegistry* reg, const char* name,
                                       tvm_function_index_t* function_index);

/* Sets *out_func to function number index. kTvmErrorFunctionIndexInvalid when out of range. */
tvm_crt_error_t TVMFuncRegistry_GetByIndex(const TVMFuncRegistry* reg, tvm_function_index_t index,
                                           TVMBackendPackedCFunc* out_func);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TVM_RUNTIME_CRT_FUNC_REGISTRY_H_ */
