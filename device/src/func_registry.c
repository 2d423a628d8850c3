/* Lookups in a TVMFuncRegistry names blob: uint16 count (little-endian), then NUL-terminated
 * names in function order. */
#include <tvm/runtime/crt/func_registry.h>

uint16_t TVMFuncRegistry_GetNumFuncs(const TVMFuncRegistry* reg) {
  const unsigned char* n = (const unsigned char*)reg->names;
  return (uint16_t)(n[0] | (n[1] << 8));
}

tvm_crt_error_t TVMFuncRegistry_Lookup(const TVMFuncRegistry* reg, const char* name,
                                       tvm_function_index_t* function_index) {
  uint16_t count = TVMFuncRegistry_GetNumFuncs(reg);
  const char* p = reg->names + 2;
  uint16_t i;
  for (i = 0; i < count; ++i) {
    const char* a = p;
    const char* b = name;
    while (*a != '\0' && *a == *b) {
      ++a;
      ++b;
    }
    if (*a == '\0' && *b == '\0') {
      *function_index = i;
      return kTvmErrorNoError;
    }
    while (*p != '\0')
      ++p;
    ++p;
  }
  return kTvmErrorFunctionNameNotFound;
}

tvm_crt_error_t TVMFuncRegistry_GetByIndex(const TVMFuncRegistry* reg, tvm_function_index_t index,
                                           TVMBackendPackedCFunc* out_func) {
  if (index >= TVMFuncRegistry_GetNumFuncs(reg)) return kTvmErrorFunctionIndexInvalid;
  *out_func = reg->funcs[index];
  return kTvmErrorNoError;
}
