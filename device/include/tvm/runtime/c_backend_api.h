/* utvm's declarations of the TVM backend API ("tvm/runtime/c_backend_api.h"): the functions
 * generated operator code calls (workspace allocation, parallel launch) and the packed C function
 * signature. utvm's device runtime (device/src/workspace.c) implements them without a heap. */
#ifndef TVM_RUNTIME_C_BACKEND_API_H_
#define TVM_RUNTIME_C_BACKEND_API_H_

#include <tvm/runtime/c_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Signature of every packed-API kernel (and of the functions in a TVMFuncRegistry). */
typedef int (*TVMBackendPackedCFunc)(TVMValue* args, int* type_codes, int num_args,
                                     TVMValue* out_ret_value, int* out_ret_tcode,
                                     void* resource_handle);

/* Looks up a function from the environment; utvm's runtime has none and returns -1. */
TVM_DLL int TVMBackendGetFuncFromEnv(void* mod_node, const char* func_name, TVMFunctionHandle* out);

/* Returns a 16-byte-aligned block of at least nbytes from the static arena, or NULL when the
 * arena is exhausted (or was never set with utvm_workspace_init). Blocks must be freed LIFO. */
TVM_DLL void* TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes,
                                       int dtype_code_hint, int dtype_bits_hint);

/* Frees the most recent block (and anything allocated after ptr). 0 on success, otherwise
 * kTvmErrorPlatformStackAllocBadFree. */
TVM_DLL int TVMBackendFreeWorkspace(int device_type, int device_id, void* ptr);

typedef struct {
  void* sync_handle;
  int32_t num_task;
} TVMParallelGroupEnv;

typedef int (*FTVMParallelLambda)(int task_id, TVMParallelGroupEnv* penv, void* cdata);

/* Runs flambda once as task 0 of a single-task group (no threads on a microcontroller). */
TVM_DLL int TVMBackendParallelLaunch(FTVMParallelLambda flambda, void* cdata, int num_task);

/* A barrier in a one-task group: returns 0 at once. */
TVM_DLL int TVMBackendParallelBarrier(int task_id, TVMParallelGroupEnv* penv);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TVM_RUNTIME_C_BACKEND_API_H_ */
