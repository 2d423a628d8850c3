/* A tiny hand-written firmware for tests and benchmarks, shaped like generated glue. Module 0,
 * "add_one": y = x + 1 over ADD_ONE_N float32 values, computed through a workspace block so every
 * run exercises the allocator; module 1, "twice": b = 2 * a over 3 int32 values (a second module,
 * as a multi-module MLF gives). Magic first inputs of add_one drive failure paths:
 *   x[0] == 1000  -> run returns -1 (model run failed)
 *   x[0] == 2000  -> asks for more workspace than the arena has (workspace exhausted)
 *   x[0] == 3000  -> the process exits mid-run (device died) -- POSIX builds without
 *                    ADD_ONE_NO_EXIT (the fuzzer defines it) */
#include <stdlib.h>

#include <tvm/runtime/c_backend_api.h>

#include "utvm/model.h"
#include "utvm/workspace.h"

#ifndef ADD_ONE_N
#define ADD_ONE_N 16
#endif

static float g_x[ADD_ONE_N] __attribute__((aligned(16)));
static float g_y[ADD_ONE_N] __attribute__((aligned(16)));
static uint8_t g_arena[ADD_ONE_N * sizeof(float) + 16];
static const int64_t g_shape[2] = {1, ADD_ONE_N};
static int g_arena_ready;

static int32_t add_one_run(void) {
  float* tmp;
  int i;
  if (!g_arena_ready) {
    utvm_workspace_init(g_arena, sizeof(g_arena));
    g_arena_ready = 1;
  }
  if (g_x[0] == 1000.0f) return -1;
#if defined(__unix__) && !defined(ADD_ONE_NO_EXIT)
  if (g_x[0] == 3000.0f) exit(3);
#endif
  tmp = (float*)TVMBackendAllocWorkspace(
      1, 0, g_x[0] == 2000.0f ? sizeof(g_arena) * 2 : sizeof(g_x), 2, 32);
  if (tmp == NULL) return -1;
  for (i = 0; i < ADD_ONE_N; ++i)
    tmp[i] = g_x[i] + 1.0f;
  for (i = 0; i < ADD_ONE_N; ++i)
    g_y[i] = tmp[i];
  return TVMBackendFreeWorkspace(1, 0, tmp);
}

static utvm_tensor_t g_inputs[1] = {
    {"x", 2, 32, 1, 2, g_shape, (uint8_t*)g_x, sizeof(g_x)},
};
static utvm_tensor_t g_outputs[1] = {
    {"y", 2, 32, 1, 2, g_shape, (uint8_t*)g_y, sizeof(g_y)},
};

static const utvm_model_t g_add_one = {"add_one", "test-build-1", 1,          1,
                                       g_inputs,  g_outputs,      add_one_run};

static int32_t g_a[3] __attribute__((aligned(16)));
static int32_t g_b[3] __attribute__((aligned(16)));
static const int64_t g_twice_shape[1] = {3};

static int32_t twice_run(void) {
  int i;
  for (i = 0; i < 3; ++i)
    g_b[i] = 2 * g_a[i];
  return 0;
}

static utvm_tensor_t g_twice_inputs[1] = {
    {"a", 0, 32, 1, 1, g_twice_shape, (uint8_t*)g_a, sizeof(g_a)},
};
static utvm_tensor_t g_twice_outputs[1] = {
    {"b", 0, 32, 1, 1, g_twice_shape, (uint8_t*)g_b, sizeof(g_b)},
};
static const utvm_model_t g_twice = {"twice",        "test-build-1",  1,        1,
                                     g_twice_inputs, g_twice_outputs, twice_run};

const utvm_model_t* const utvm_models[] = {&g_add_one, &g_twice};
const uint16_t utvm_num_models = 2;
