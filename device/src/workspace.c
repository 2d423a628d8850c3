/* The no-heap runtime symbols generated TVM code links against: a LIFO workspace arena
 * (TVMBackendAllocWorkspace/FreeWorkspace), the last-error buffer and a one-task parallel
 * launch. See utvm/workspace.h and docs/link-protocol.md. */
#include "utvm/workspace.h"

#include <string.h>

#include <tvm/runtime/c_backend_api.h>
#include <tvm/runtime/crt/error_codes.h>

static struct {
  uint8_t* base; /* 16-aligned start */
  uint8_t* top;  /* next free byte, 16-aligned */
  uint8_t* end;
  size_t high_water;
  uint64_t failed_request;
} g_ws;

#define UTVM_LAST_ERROR_BYTES 96
static char g_last_error[UTVM_LAST_ERROR_BYTES];

static uintptr_t align_up(uintptr_t v) {
  return (v + (UTVM_WORKSPACE_ALIGNMENT - 1u)) & ~(uintptr_t)(UTVM_WORKSPACE_ALIGNMENT - 1u);
}

void utvm_workspace_init(uint8_t* arena, size_t size) {
  g_ws.base = g_ws.top = g_ws.end = NULL;
  g_ws.high_water = 0;
  g_ws.failed_request = 0;
  if (arena == NULL || size == 0) return;
  {
    uintptr_t start = align_up((uintptr_t)arena);
    uintptr_t end = ((uintptr_t)arena + size) & ~(uintptr_t)(UTVM_WORKSPACE_ALIGNMENT - 1u);
    if (start >= end) return;
    g_ws.base = g_ws.top = (uint8_t*)start;
    g_ws.end = (uint8_t*)end;
  }
}

void utvm_workspace_reset(void) {
  g_ws.top = g_ws.base;
  g_ws.failed_request = 0;
}

size_t utvm_workspace_capacity(void) {
  return (size_t)(g_ws.end - g_ws.base);
}
size_t utvm_workspace_used(void) {
  return (size_t)(g_ws.top - g_ws.base);
}
size_t utvm_workspace_high_water(void) {
  return g_ws.high_water;
}
uint64_t utvm_workspace_failed_request(void) {
  return g_ws.failed_request;
}

void* TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes, int dtype_code_hint,
                               int dtype_bits_hint) {
  uint64_t room = (uint64_t)(g_ws.end - g_ws.top); /* a multiple of 16: end is aligned down */
  uint8_t* block;
  size_t used;
  (void)device_type;
  (void)device_id;
  (void)dtype_code_hint;
  (void)dtype_bits_hint;
  if (g_ws.base == NULL || nbytes > room) {
    if (g_ws.failed_request == 0) g_ws.failed_request = nbytes == 0 ? 1 : nbytes;
    return NULL;
  }
  /* nbytes <= room and room is a multiple of 16, so the rounded size still fits. */
  block = g_ws.top;
  g_ws.top += (size_t)((nbytes + (UTVM_WORKSPACE_ALIGNMENT - 1u)) &
                       ~(uint64_t)(UTVM_WORKSPACE_ALIGNMENT - 1u));
  used = (size_t)(g_ws.top - g_ws.base);
  if (used > g_ws.high_water) g_ws.high_water = used;
  return block;
}

int TVMBackendFreeWorkspace(int device_type, int device_id, void* ptr) {
  uint8_t* p = (uint8_t*)ptr;
  (void)device_type;
  (void)device_id;
  /* LIFO: ptr must be a block at or below the current top. Freeing it releases it and every
   * later block, exactly like TVM's stack allocator. */
  if (p == NULL || g_ws.base == NULL || p < g_ws.base || p > g_ws.top ||
      ((uintptr_t)(p - g_ws.base) % UTVM_WORKSPACE_ALIGNMENT) != 0) {
    return kTvmErrorPlatformStackAllocBadFree;
  }
  g_ws.top = p;
  return 0;
}

void TVMAPISetLastError(const char* msg) {
  size_t i = 0;
  if (msg != NULL) {
    for (; i + 1 < UTVM_LAST_ERROR_BYTES && msg[i] != '\0'; ++i)
      g_last_error[i] = msg[i];
  }
  g_last_error[i] = '\0';
}

const char* TVMGetLastError(void) {
  return g_last_error;
}

int TVMBackendGetFuncFromEnv(void* mod_node, const char* func_name, TVMFunctionHandle* out) {
  (void)mod_node;
  (void)func_name;
  if (out != NULL) *out = NULL;
  TVMAPISetLastError("TVMBackendGetFuncFromEnv: no environment functions on this device");
  return -1;
}

int TVMFuncCall(TVMFunctionHandle func, TVMValue* arg_values, int* type_codes, int num_args,
                TVMValue* ret_val, int* ret_type_code) {
  TVMBackendPackedCFunc f;
  if (func == NULL) return -1;
  memcpy(&f, &func, sizeof(f)); /* a handle is the function's address (ISO C has no cast) */
  return f(arg_values, type_codes, num_args, ret_val, ret_type_code, NULL);
}

int TVMBackendParallelLaunch(FTVMParallelLambda flambda, void* cdata, int num_task) {
  TVMParallelGroupEnv env;
  (void)num_task;
  env.sync_handle = NULL;
  env.num_task = 1;
  return flambda(0, &env, cdata);
}

int TVMBackendParallelBarrier(int task_id, TVMParallelGroupEnv* penv) {
  (void)task_id;
  (void)penv;
  return 0;
}
