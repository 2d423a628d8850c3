// Function registry lookups over a names blob shaped like TVM's system-lib output.
#include <gtest/gtest.h>
#include <tvm/runtime/crt/module.h>

namespace {

int f0(TVMValue*, int*, int, TVMValue*, int*, void*) {
  return 10;
}
int f1(TVMValue*, int*, int, TVMValue*, int*, void*) {
  return 11;
}

const TVMBackendPackedCFunc kFuncs[] = {f0, f1};
const TVMFuncRegistry kRegistry = {"\002\000fused_add\000fused_add_relu\000", kFuncs};

TEST(FuncRegistry, LooksUpNamesAndIndices) {
  EXPECT_EQ(TVMFuncRegistry_GetNumFuncs(&kRegistry), 2);
  tvm_function_index_t i = 99;
  ASSERT_EQ(TVMFuncRegistry_Lookup(&kRegistry, "fused_add_relu", &i), kTvmErrorNoError);
  EXPECT_EQ(i, 1);
  ASSERT_EQ(TVMFuncRegistry_Lookup(&kRegistry, "fused_add", &i), kTvmErrorNoError);
  EXPECT_EQ(i, 0);
  EXPECT_EQ(TVMFuncRegistry_Lookup(&kRegistry, "fused", &i), kTvmErrorFunctionNameNotFound);
  EXPECT_EQ(TVMFuncRegistry_Lookup(&kRegistry, "fused_add_relu_1", &i),
            kTvmErrorFunctionNameNotFound);
  TVMBackendPackedCFunc f = nullptr;
  ASSERT_EQ(TVMFuncRegistry_GetByIndex(&kRegistry, 1, &f), kTvmErrorNoError);
  EXPECT_EQ(f(nullptr, nullptr, 0, nullptr, nullptr, nullptr), 11);
  EXPECT_EQ(TVMFuncRegistry_GetByIndex(&kRegistry, 2, &f), kTvmErrorFunctionIndexInvalid);
}

TEST(ErrorCodes, MatchTvmValues) {
  EXPECT_EQ(kTvmErrorFramingShortPacket, 0x0201);
  EXPECT_EQ(kTvmErrorPlatformNoMemory, 0x0503);
  EXPECT_EQ(kTvmErrorPlatformStackAllocBadFree, 0x0505);
  EXPECT_EQ(kTvmErrorFunctionCallInvalidArg, 0x0803);
  EXPECT_EQ(static_cast<unsigned>(kTvmErrorSystemErrorMask), 0x80000000u);
  EXPECT_EQ(kTVMDLTensorHandle, 7);
  EXPECT_EQ(kTVMNDArrayHandle, 13);
  EXPECT_EQ(sizeof(TVMValue), 8u);
}

}  // namespace
