// The no-heap workspace: LIFO discipline, 16-byte alignment, exhaustion, bad frees.
#include "utvm/workspace.h"

#include <gtest/gtest.h>
#include <tvm/runtime/c_backend_api.h>
#include <tvm/runtime/crt/error_codes.h>

#include <cstdint>

namespace {

alignas(16) std::uint8_t g_arena[1024 + 16];

void* alloc(std::uint64_t n) {
  return TVMBackendAllocWorkspace(kDLCPU, 0, n, kDLFloat, 32);
}
int release(void* p) {
  return TVMBackendFreeWorkspace(kDLCPU, 0, p);
}

TEST(Workspace, BlocksAre16ByteAlignedEvenFromAnUnalignedArena) {
  utvm_workspace_init(g_arena + 3, 1000);
  EXPECT_EQ(utvm_workspace_capacity() % 16, 0u);
  EXPECT_LE(utvm_workspace_capacity(), 1000u - 13u);
  void* prev = nullptr;
  for (std::uint64_t n : {1, 7, 16, 17, 33}) {
    void* p = alloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u) << n;
    if (prev != nullptr) {
      EXPECT_GT(p, prev);
    }
    prev = p;
  }
  // 1,7,16,17,33 round to 16,16,16,32,48.
  EXPECT_EQ(utvm_workspace_used(), 128u);
}

TEST(Workspace, FreesInLifoOrderReturnTheArena) {
  utvm_workspace_init(g_arena, 1024);
  void* a = alloc(100);
  void* b = alloc(200);
  void* c = alloc(300);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(release(c), 0);
  EXPECT_EQ(release(b), 0);
  void* b2 = alloc(50);  // reuses b's place
  EXPECT_EQ(b2, b);
  EXPECT_EQ(release(b2), 0);
  EXPECT_EQ(release(a), 0);
  EXPECT_EQ(utvm_workspace_used(), 0u);
  EXPECT_EQ(utvm_workspace_high_water(), 112u + 208u + 304u);
}

TEST(Workspace, ExhaustionReturnsNullAndRecordsTheRequest) {
  utvm_workspace_init(g_arena, 1024);
  EXPECT_EQ(utvm_workspace_failed_request(), 0u);
  void* a = alloc(1000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(alloc(64), nullptr);
  EXPECT_EQ(utvm_workspace_failed_request(), 64u);
  EXPECT_EQ(alloc(1ull << 62), nullptr);            // absurd sizes do not wrap around
  EXPECT_EQ(utvm_workspace_failed_request(), 64u);  // the first failure is kept
  EXPECT_EQ(release(a), 0);
  EXPECT_NE(alloc(1024), nullptr);  // exactly the capacity fits
  utvm_workspace_reset();
  EXPECT_EQ(utvm_workspace_failed_request(), 0u);
  EXPECT_EQ(utvm_workspace_used(), 0u);
}

TEST(Workspace, BadFreesAreRefused) {
  utvm_workspace_init(g_arena, 1024);
  void* a = alloc(32);
  void* b = alloc(32);
  EXPECT_EQ(release(nullptr), kTvmErrorPlatformStackAllocBadFree);
  EXPECT_EQ(release(g_arena + 1024 + 8), kTvmErrorPlatformStackAllocBadFree);
  EXPECT_EQ(release(static_cast<std::uint8_t*>(a) + 4), kTvmErrorPlatformStackAllocBadFree);
  EXPECT_EQ(release(a), 0);  // frees b as well, like TVM's stack allocator
  EXPECT_EQ(release(b), kTvmErrorPlatformStackAllocBadFree);
}

TEST(Workspace, WithoutAnArenaEveryAllocationFails) {
  utvm_workspace_init(nullptr, 0);
  EXPECT_EQ(alloc(1), nullptr);
  EXPECT_EQ(utvm_workspace_capacity(), 0u);
  utvm_workspace_init(g_arena + 1, 8);  // too small to hold one aligned block
  EXPECT_EQ(alloc(1), nullptr);
}

TEST(RuntimeSymbols, LastErrorIsStoredAndTruncated) {
  TVMAPISetLastError("kernel: bad arg");
  EXPECT_STREQ(TVMGetLastError(), "kernel: bad arg");
  std::string long_msg(500, 'x');
  TVMAPISetLastError(long_msg.c_str());
  EXPECT_LT(std::string(TVMGetLastError()).size(), 500u);
  EXPECT_GT(std::string(TVMGetLastError()).size(), 32u);
}

int g_lambda_calls = 0;
int lambda(int task_id, TVMParallelGroupEnv* penv, void* cdata) {
  ++g_lambda_calls;
  EXPECT_EQ(task_id, 0);
  EXPECT_EQ(penv->num_task, 1);
  return *static_cast<int*>(cdata);
}

TEST(RuntimeSymbols, ParallelLaunchRunsTheLambdaOnce) {
  int result = 7;
  g_lambda_calls = 0;
  EXPECT_EQ(TVMBackendParallelLaunch(lambda, &result, 4), 7);
  EXPECT_EQ(g_lambda_calls, 1);
}

}  // namespace
