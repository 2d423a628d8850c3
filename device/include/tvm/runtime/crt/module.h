/* utvm's declarations of TVM's CRT module ("tvm/runtime/crt/module.h"): what a system-lib
 * registry file (graph executor builds) includes to define TVMSystemLibEntryPoint. */
#ifndef TVM_RUNTIME_CRT_MODULE_H_
#define TVM_RUNTIME_CRT_MODULE_H_

#include <tvm/runtime/c_backend_api.h>
#include <tvm/runtime/crt/func_registry.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A module: a function registry. */
typedef struct TVMModule {
  const TVMFuncRegistry* registry;
} TVMModule;

/* Defined by the generated registry file of a system-lib build. */
const TVMModule* TVMSystemLibEntryPoint(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TVM_RUNTIME_CRT_MODULE_H_ */
