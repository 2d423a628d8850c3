// Glue generator: content checks per entry kind, strict-C compile checks, a self-contained
// build-and-run of each entry kind against a tiny hand-written "model", and error cases.
#include "utvm/codegen/glue.h"
#include "utvm/codegen/host_compat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"
#include "utvm/common/error.h"
#include "utvm/mlf/model.h"

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using utvm::codegen::EntryKind;
using utvm::codegen::generate_glue_c;
using utvm::codegen::GlueModel;
using utvm::codegen::GlueOptions;
using utvm::codegen::GlueTensor;
using utvm::codegen::test::compile_and_run;
using utvm::codegen::test::compiles_strict;
using utvm::codegen::test::scratch_dir;

namespace {

GlueModel two_in_one_out(EntryKind kind, const std::string& symbol) {
  GlueModel m;
  m.module_name = "demo";
  m.entry = kind;
  m.entry_symbol = symbol;
  m.inputs = {GlueTensor{"x:0", "", "float32", std::vector<int64_t>{2, 3}, 24},
              GlueTensor{"scale", "", "int8", std::nullopt, 6}};
  m.outputs = {GlueTensor{"Identity", "", "float32", std::nullopt, 24}};
  m.workspace_size_bytes = 100;
  return m;
}

GlueOptions opts(const std::string& build_id = "b1") {
  GlueOptions o;
  o.build_id = build_id;
  return o;
}

TEST(Glue, CWrapperDeclaresStructsWithSanitisedMembersWhenNoHeader) {
  std::string c = generate_glue_c(two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run"), opts());
  EXPECT_THAT(c, HasSubstr("struct tvmgen_demo_inputs {\n  void* x_0;\n  void* scale;\n};"));
  EXPECT_THAT(c, HasSubstr("struct tvmgen_demo_outputs {\n  void* Identity;\n};"));
  EXPECT_THAT(c, HasSubstr("inputs.x_0 = utvm_glue_in0;"));
  EXPECT_THAT(c, HasSubstr("inputs.scale = utvm_glue_in1;"));
  EXPECT_THAT(c, HasSubstr("outputs.Identity = utvm_glue_out0;"));
  EXPECT_THAT(c, HasSubstr("return tvmgen_demo_run(&inputs, &outputs);"));
  // The reported name is the model's, not the C member.
  EXPECT_THAT(c, HasSubstr(".name = \"x:0\""));
  EXPECT_THAT(c, HasSubstr(".build_id = \"b1\""));
}

TEST(Glue, CWrapperIncludesTheArchiveHeaderAndUsesItsMemberNames) {
  GlueModel m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.interface_header = "tvmgen_demo.h";
  m.inputs[0].member = "x_0_from_header";
  std::string c = generate_glue_c(m, opts());
  EXPECT_THAT(c, HasSubstr("#include \"tvmgen_demo.h\""));
  EXPECT_THAT(c, Not(HasSubstr("struct tvmgen_demo_inputs {")));
  EXPECT_THAT(c, HasSubstr("inputs.x_0_from_header = utvm_glue_in0;"));
}

TEST(Glue, TensorTablesUseDlpackCodesAndFlatShapesWhenUnknown) {
  GlueModel m = two_in_one_out(EntryKind::kRunModel, "tvmgen_demo_run_model");
  m.inputs.push_back(GlueTensor{"u", "", "uint16", std::nullopt, 8});
  m.inputs.push_back(GlueTensor{"b", "", "bfloat16", std::vector<int64_t>{}, 2});
  std::string c = generate_glue_c(m, opts());
  EXPECT_THAT(c, HasSubstr("utvm_glue_in0_shape[2] = {2, 3};"));
  EXPECT_THAT(c, HasSubstr("utvm_glue_in1_shape[1] = {6};"));   // 6 int8 bytes -> {6}
  EXPECT_THAT(c, HasSubstr("utvm_glue_out0_shape[1] = {6};"));  // 24 float32 bytes -> {6}
  EXPECT_THAT(c, HasSubstr("utvm_glue_in2_shape[1] = {4};"));   // 8 uint16 bytes -> {4}
  EXPECT_THAT(c, HasSubstr(".name = \"x:0\", .dtype_code = 2, .dtype_bits = 32, .dtype_lanes = 1, "
                           ".ndim = 2"));
  EXPECT_THAT(c, HasSubstr(".name = \"scale\", .dtype_code = 0, .dtype_bits = 8"));
  EXPECT_THAT(c, HasSubstr(".name = \"u\", .dtype_code = 1, .dtype_bits = 16"));
  EXPECT_THAT(c, HasSubstr(".name = \"b\", .dtype_code = 4, .dtype_bits = 16, .dtype_lanes = 1, "
                           ".ndim = 0"));
  EXPECT_THAT(c, HasSubstr("static uint8_t utvm_glue_in0[24] UTVM_GLUE_ALIGNED;"));
  EXPECT_THAT(c, HasSubstr("#define UTVM_GLUE_ALIGNED __attribute__((aligned(16)))"));
}

TEST(Glue, RunModelDeclaresInputsThenOutputsAsVoidPointers) {
  std::string c =
      generate_glue_c(two_in_one_out(EntryKind::kRunModel, "tvmgen_demo_run_model"), opts());
  EXPECT_THAT(c, HasSubstr("int32_t tvmgen_demo_run_model(void* arg0, void* arg1, void* arg2);"));
  EXPECT_THAT(c, HasSubstr("return tvmgen_demo_run_model(utvm_glue_in0, utvm_glue_in1, "
                           "utvm_glue_out0);"));
}

TEST(Glue, PackedWrapperPassesDlTensorHandles) {
  std::string c =
      generate_glue_c(two_in_one_out(EntryKind::kPackedWrapper, "tvmgen_demo_run"), opts());
  EXPECT_THAT(c, HasSubstr("#include \"tvm/runtime/c_runtime_api.h\""));
  EXPECT_THAT(c, HasSubstr("int32_t tvmgen_demo_run(void* args, void* type_code, int num_args, "
                           "void* out_value, void* out_type_code, void* resource_handle);"));
  EXPECT_THAT(c, HasSubstr("static DLTensor utvm_glue_args[3]"));
  EXPECT_THAT(c, HasSubstr("type_codes[i] = kTVMDLTensorHandle;"));
  EXPECT_THAT(c, HasSubstr("return tvmgen_demo_run(args, type_codes, 3, &ret_value, "
                           "&ret_type_code, NULL);"));
}

TEST(Glue, ArenaIsWorkspacePlusSlackSixteenAlignedOrTheRequestedSize) {
  EXPECT_EQ(utvm::codegen::default_arena_bytes(0), 64u);
  EXPECT_EQ(utvm::codegen::default_arena_bytes(1184), 1248u);
  EXPECT_EQ(utvm::codegen::default_arena_bytes(1), 80u);
  GlueModel m = two_in_one_out(EntryKind::kRunModel, "f");
  EXPECT_THAT(generate_glue_c(m, opts()), HasSubstr("utvm_glue_arena[176]"));
  GlueOptions o = opts();
  o.workspace_size_bytes = 1000;
  EXPECT_THAT(generate_glue_c(m, o), HasSubstr("utvm_glue_arena[1008]"));
  // A model without TVMBackendAllocWorkspace calls gets no arena unless asked.
  m.needs_workspace_allocator = false;
  std::string c = generate_glue_c(m, opts());
  EXPECT_THAT(c, Not(HasSubstr("utvm_glue_arena")));
  EXPECT_THAT(c, Not(HasSubstr("utvm_workspace_init")));
  EXPECT_THAT(generate_glue_c(m, o), HasSubstr("utvm_workspace_init(utvm_glue_arena"));
}

TEST(Glue, OutputIsDeterministicAndEscapesNames) {
  GlueModel m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[0].name =
      "we\"ird\\name?"
      "?/";
  m.module_name = "demo*/";
  std::string a = generate_glue_c(m, opts("id\n1"));
  EXPECT_EQ(a, generate_glue_c(m, opts("id\n1")));
  EXPECT_THAT(a, HasSubstr(".name = \"we\\\"ird\\\\name\\077\\077/\""));
  EXPECT_THAT(a, HasSubstr(".build_id = \"id\\0121\""));
  EXPECT_THAT(a, HasSubstr("module \"demo* /\""));
}

TEST(Glue, ModelWithoutTensorsStillCompiles) {
  for (EntryKind kind : {EntryKind::kCWrapper, EntryKind::kPackedWrapper, EntryKind::kRunModel}) {
    GlueModel m;
    m.module_name = "empty";
    m.entry = kind;
    m.entry_symbol = "tvmgen_empty_run";
    std::string log;
    EXPECT_TRUE(compiles_strict(generate_glue_c(m, opts()), &log)) << log;
  }
}

TEST(Glue, EveryEntryKindCompilesAsStrictC99) {
  for (auto [kind, sym] : {std::pair{EntryKind::kCWrapper, "tvmgen_demo_run"},
                           std::pair{EntryKind::kPackedWrapper, "tvmgen_demo_run"},
                           std::pair{EntryKind::kRunModel, "tvmgen_demo_run_model"},
                           std::pair{EntryKind::kTvmMain, "tvmgen_demo___tvm_main__"}}) {
    std::string log;
    EXPECT_TRUE(compiles_strict(generate_glue_c(two_in_one_out(kind, sym), opts()), &log))
        << "entry " << sym << ":\n"
        << log;
  }
}

// A fake model, one per entry kind: out = x * scale[i % 6] (float), checked end to end through
// utvm_model.run() with utvm's own workspace.c.
const char* const kFakeModelCommon = R"(
#include <stdint.h>
#include "tvm/runtime/c_backend_api.h"
static int32_t fake_compute(const float* x, const int8_t* scale, float* out) {
  int i;
  float* tmp = (float*)TVMBackendAllocWorkspace(1, 0, 24, 2, 32);
  if (tmp == 0) return -1;
  for (i = 0; i < 6; ++i) tmp[i] = x[i] * (float)scale[i];
  for (i = 0; i < 6; ++i) out[i] = tmp[i];
  return TVMBackendFreeWorkspace(1, 0, tmp);
}
)";

std::string fake_model(EntryKind kind) {
  std::string c = kFakeModelCommon;
  switch (kind) {
    case EntryKind::kCWrapper:
      c += "struct tvmgen_demo_inputs { void* x_0; void* scale; };\n"
           "struct tvmgen_demo_outputs { void* Identity; };\n"
           "int32_t tvmgen_demo_run(struct tvmgen_demo_inputs* i, struct tvmgen_demo_outputs* o) "
           "{ return fake_compute(i->x_0, i->scale, o->Identity); }\n";
      break;
    case EntryKind::kPackedWrapper:
      c += "int32_t tvmgen_demo_run(void* args, void* type_code, int num_args, void* out_value, "
           "void* out_type_code, void* resource_handle) {\n"
           "  TVMValue* v = (TVMValue*)args;\n  int* codes = (int*)type_code;\n"
           "  DLTensor* x = (DLTensor*)v[0].v_handle;\n"
           "  (void)out_value; (void)out_type_code; (void)resource_handle;\n"
           "  if (num_args != 3 || codes[0] != kTVMDLTensorHandle) return -2;\n"
           "  if (x->ndim != 2 || x->shape[0] != 2 || x->shape[1] != 3) return -3;\n"
           "  if (x->dtype.code != kDLFloat || x->dtype.bits != 32) return -4;\n"
           "  return fake_compute(x->data, ((DLTensor*)v[1].v_handle)->data,\n"
           "                      ((DLTensor*)v[2].v_handle)->data);\n}\n";
      break;
    case EntryKind::kRunModel:
    case EntryKind::kTvmMain:
      c += "int32_t tvmgen_demo_run_model(void* a, void* b, void* c) "
           "{ return fake_compute(a, b, c); }\n";
      break;
  }
  return c;
}

const char* const kFakeMain = R"(
#include <stdio.h>
#include <string.h>
#include "utvm/model.h"
int main(void) {
  float x[6] = {1.5f, -2.0f, 3.0f, 0.25f, 8.0f, -1.0f};
  signed char s[6] = {2, 3, -1, 4, 0, 7};
  const float* out;
  int i;
  int32_t rc;
  if (utvm_model.num_inputs != 2 || utvm_model.num_outputs != 1) return 10;
  if (utvm_model.inputs[0].nbytes != 24 || utvm_model.inputs[1].nbytes != 6) return 11;
  memcpy(utvm_model.inputs[0].data, x, sizeof x);
  memcpy(utvm_model.inputs[1].data, s, sizeof s);
  rc = utvm_model.run();
  if (rc != 0) { printf("rc=%d\n", (int)rc); return 12; }
  out = (const float*)utvm_model.outputs[0].data;
  for (i = 0; i < 6; ++i) printf("%g ", out[i]);
  printf("| %s %s\n", utvm_model.name, utvm_model.build_id);
  return 0;
}
)";

TEST(Glue, EachEntryKindRunsAFakeModelThroughUtvmModel) {
  for (auto [kind, sym] : {std::pair{EntryKind::kCWrapper, "tvmgen_demo_run"},
                           std::pair{EntryKind::kPackedWrapper, "tvmgen_demo_run"},
                           std::pair{EntryKind::kRunModel, "tvmgen_demo_run_model"}}) {
    std::string glue = generate_glue_c(two_in_one_out(kind, sym), opts("build-7"));
    std::string out;
    ASSERT_TRUE(compile_and_run(
        scratch_dir(std::string("glue_fake_") + sym + std::to_string(static_cast<int>(kind))),
        {{"glue.c", glue}, {"model.c", fake_model(kind)}, {"main.c", kFakeMain}}, &out))
        << out;
    EXPECT_EQ(out, "3 -6 -3 1 0 -7 | demo build-7\n") << "entry " << sym;
  }
}

// TVM >= 0.9 with user-supplied USMP pools and a BYOC device: run() takes the pools and devices
// structs too; the glue sizes each pool from the header's macro.
TEST(Glue, CWrapperWithExternalPoolsAndDevices) {
  const char* header = R"(#include <stdint.h>
#define TVMGEN_DEMO_SRAM_WORKSPACE_POOL_SIZE 40
struct tvmgen_demo_inputs { void* x_0; void* scale; };
struct tvmgen_demo_outputs { void* Identity; };
struct tvmgen_demo_workspace_pools { void* sram; };
struct tvmgen_demo_devices { void* ethos_u; };
int32_t tvmgen_demo_run(struct tvmgen_demo_inputs* inputs, struct tvmgen_demo_outputs* outputs,
                        struct tvmgen_demo_workspace_pools* workspace_pools,
                        struct tvmgen_demo_devices* devices);
)";
  const char* model = R"(#include <stdint.h>
#include "tvmgen_demo.h"
int32_t tvmgen_demo_run(struct tvmgen_demo_inputs* in, struct tvmgen_demo_outputs* out,
                        struct tvmgen_demo_workspace_pools* pools,
                        struct tvmgen_demo_devices* devices) {
  int i;
  float* tmp = (float*)pools->sram;  /* USMP: scratch lives in the pool, no allocator */
  if (devices->ethos_u != 0 || ((uintptr_t)tmp & 15u) != 0) return -7;
  for (i = 0; i < 6; ++i) tmp[i] = ((const float*)in->x_0)[i] * ((const int8_t*)in->scale)[i];
  for (i = 0; i < 6; ++i) ((float*)out->Identity)[i] = tmp[i];
  return 0;
}
)";
  auto structs = utvm::codegen::parse_interface_header(header, "demo");
  EXPECT_EQ(structs.workspace_pools, std::vector<std::string>{"sram"});
  EXPECT_EQ(structs.devices, std::vector<std::string>{"ethos_u"});
  GlueModel m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.interface_header = "tvmgen_demo.h";
  m.workspace_pools = structs.workspace_pools;
  m.devices = structs.devices;
  m.needs_workspace_allocator = false;
  std::string glue = generate_glue_c(m, opts("pools"));
  EXPECT_THAT(glue,
              HasSubstr("static uint8_t utvm_glue_pool0[TVMGEN_DEMO_SRAM_WORKSPACE_POOL_SIZE]"));
  EXPECT_THAT(glue, HasSubstr("return tvmgen_demo_run(&inputs, &outputs, &pools, &devices);"));
  std::string out;
  const fs::path dir = scratch_dir("glue_pools");
  ASSERT_TRUE(compile_and_run(
      dir, {{"tvmgen_demo.h", header}, {"glue.c", glue}, {"model.c", model}, {"main.c", kFakeMain}},
      &out))
      << out << "\n"
      << glue;
  EXPECT_EQ(out, "3 -6 -3 1 0 -7 | demo pools\n");
  std::string log;
  EXPECT_TRUE(compiles_strict(glue, &log, dir)) << log;
}

TEST(Glue, ArenaTooSmallMakesRunFailNotCrash) {
  GlueModel m = two_in_one_out(EntryKind::kRunModel, "tvmgen_demo_run_model");
  GlueOptions o = opts();
  o.workspace_size_bytes = 16;  // the fake model asks for 24 bytes
  std::string out;
  EXPECT_FALSE(compile_and_run(scratch_dir("glue_small_arena"),
                               {{"glue.c", generate_glue_c(m, o)},
                                {"model.c", fake_model(EntryKind::kRunModel)},
                                {"main.c", kFakeMain}},
                               &out));
  EXPECT_THAT(out, HasSubstr("rc=-1"));
}

TEST(GlueErrors, BadModelsAreRejectedWithContext) {
  auto expect_error = [](GlueModel m, const std::string& fragment) {
    try {
      generate_glue_c(m, opts());
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const utvm::Error& e) {
      EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
      EXPECT_THAT(e.what(), HasSubstr(fragment));
    }
  };
  GlueModel m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[0].dtype = "float33";
  expect_error(m, "unsupported dtype \"float33\"");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[0].dtype = "handle";
  expect_error(m, "unsupported dtype \"handle\"");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.outputs[0].bytes = 23;
  expect_error(m, "23 bytes, not a whole number of float32");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[0].bytes = 20;
  expect_error(m, "shape {2, 3} of float32 is 24 bytes, but the model says 20");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[0].shape = std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40};
  m.inputs[0].bytes = 0;
  expect_error(m, "utvm tensors hold at most 4 GiB");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.interface_header = "x.h\"\n#include \"evil.h";
  expect_error(m, "unusable header name");
  m = two_in_one_out(EntryKind::kCWrapper, "");
  expect_error(m, "no usable entry point");
  m = two_in_one_out(EntryKind::kCWrapper, "run(); evil");
  expect_error(m, "no usable entry point");
  m = two_in_one_out(EntryKind::kCWrapper, "tvmgen_demo_run");
  m.inputs[1].name = "x.0";  // sanitises to x_0 like "x:0"
  expect_error(m, "struct member \"x_0\"");
}

TEST(GlueErrors, GraphModulesHaveNoAotEntryPoint) {
  utvm::mlf::Module mod;
  mod.name = "g";
  mod.executor = utvm::mlf::Executor::kGraph;
  mod.entry_point.kind = utvm::mlf::EntryPoint::Kind::kNone;
  try {
    generate_glue_c(mod, opts());
    FAIL();
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr("graph executor lowering"));
  }
}

TEST(Glue, FromModuleCarriesCNamesHeaderAndAllocatorFlag) {
  utvm::mlf::Module mod;
  mod.name = "kws";
  mod.entry_point = {utvm::mlf::EntryPoint::Kind::kCWrapper, "tvmgen_kws_run"};
  mod.files.header = "codegen/host/include/tvmgen_kws.h";
  mod.inputs = {{"audio:0", "audio_0", "int8", std::nullopt, 490}};
  mod.outputs = {{"Identity", "Identity", "int8", std::vector<int64_t>{1, 12}, 12}};
  mod.workspace_size_bytes = 24576;
  mod.needs_workspace_allocator = false;
  GlueModel g = utvm::codegen::glue_model_from_module(mod);
  EXPECT_EQ(g.interface_header, "tvmgen_kws.h");
  EXPECT_EQ(g.inputs[0].member, "audio_0");
  EXPECT_FALSE(g.needs_workspace_allocator);
  std::string c = generate_glue_c(mod, opts());
  EXPECT_THAT(c, HasSubstr("inputs.audio_0 = utvm_glue_in0;"));
  EXPECT_THAT(c, HasSubstr("#include \"tvmgen_kws.h\""));
}

TEST(InterfaceHeader, MembersInDeclarationOrderIgnoringComments) {
  const char* header = R"(#ifndef TVMGEN_DEFAULT_H_
/*!
 * \brief Input tensor pointers for TVM module "default"
 * struct tvmgen_default_inputs { void* fake; };
 */
struct tvmgen_default_inputs {
  void* serving_default_input_1_0;
  void* second; // trailing comment
};
// struct tvmgen_default_outputs { void* commented; };
struct tvmgen_default_outputs {
  void* StatefulPartitionedCall_0;
};
int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs,
                           struct tvmgen_default_outputs* outputs);
)";
  auto s = utvm::codegen::parse_interface_header(header, "default");
  EXPECT_EQ(s.inputs, (std::vector<std::string>{"serving_default_input_1_0", "second"}));
  EXPECT_EQ(s.outputs, (std::vector<std::string>{"StatefulPartitionedCall_0"}));
  EXPECT_THROW(utvm::codegen::parse_interface_header(header, "other"), utvm::Error);
  EXPECT_THROW(utvm::codegen::parse_interface_header("struct tvmgen_default_inputs { void* a; };",
                                                     "default"),
               utvm::Error);
}

// The emulated intrinsics against hand-computed Armv7E-M results (the letscope reference test
// checks them end to end against the archive's sample output).
TEST(HostCompat, ArmAcleEmulationMatchesInstructionSemantics) {
  const char* main_c = R"(
#include <stdio.h>
#include "arm_acle.h"
int main(void) {
  printf("%08x\n", (unsigned)__sxtb16((int32_t)0x80ff7f01));
  printf("%d\n", (int)__smlad((int32_t)0xfffe0003, (int32_t)0x00040005, 100));
  printf("%08x\n", (unsigned)__ror(0x12345678u, 8));
  printf("%08x\n", (unsigned)__pkhbt(0x11112222u, 0x00003333u, 16));
  printf("%08x\n", (unsigned)__pkhtb(0x11112222u, 0x80000000u, 16));
  printf("%08x\n", (unsigned)__pkhtb(0x11112222u, 0x00004444u, 0));
  return 0;
}
)";
  std::string out;
  ASSERT_TRUE(compile_and_run(
      scratch_dir("arm_acle"),
      {{"arm_acle.h", utvm::codegen::arm_acle_emulation_header()}, {"main.c", main_c}}, &out))
      << out;
  // sxtb16: bytes 0 and 2 (0x01, 0xff) sign-extended to halves; smlad: 3*5 + (-2)*4 + 100;
  // pkhtb with asr 16 of 0x80000000 keeps the sign: 0x8000.
  EXPECT_EQ(out, "ffff0001\n107\n78123456\n33332222\n11118000\n11114444\n");
}

}  // namespace
