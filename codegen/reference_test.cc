// Bit-identical checks: each x86-compilable fixture runs through utvm's generated glue and
// through a plain main calling the model's own entry point, on seeded random inputs; the graph
// fixture (TVM 0.16 sine) is checked against TVM's own outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "reference.h"
#include "test_util.h"
#include "utvm/codegen/executor.h"
#include "utvm/common/error.h"
#include "utvm/mlf/dtype.h"
#include "utvm/npz/npz.h"

namespace fs = std::filesystem;
using utvm::codegen::testing::HostReference;
using utvm::codegen::testing::Tensors;

namespace {

fs::path shared_dir() {
  return fs::path(UTVM_SHARED_DIR);
}

fs::path work_dir(const std::string& name) {
  fs::path dir = fs::path(UTVM_BINARY_DIR) / "codegen-test-work" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Random bytes; float32 tensors get finite values in [-4, 4) so no NaN payloads are compared.
Tensors random_inputs(const HostReference& ref, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensors out;
  std::vector<uint64_t> sizes = ref.input_sizes();
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string bytes(sizes[i], '\0');
    const std::string dtype =
        i < ref.module().inputs.size() ? ref.module().inputs[i].dtype : std::string("float32");
    if (dtype == "float32") {
      std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
      for (size_t k = 0; k + 4 <= bytes.size(); k += 4) {
        float f = dist(rng);
        std::memcpy(&bytes[k], &f, 4);
      }
    } else {
      for (char& c : bytes)
        c = static_cast<char>(rng() & 0xff);
    }
    out.push_back(std::move(bytes));
  }
  return out;
}

class GlueVsDirect : public ::testing::TestWithParam<std::string> {};

TEST_P(GlueVsDirect, BitIdenticalOnSeededRandomInputs) {
  fs::path archive = shared_dir() / "fixtures" / "mlf" / (GetParam() + ".tar");
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not available (no shared fixtures)";
  HostReference ref(archive, work_dir(GetParam()), UTVM_SOURCE_DIR);
  if (auto why = ref.host_incompatibility()) GTEST_SKIP() << *why;
  ASSERT_FALSE(ref.input_sizes().empty());
  ASSERT_FALSE(ref.output_sizes().empty());
  bool some_output_nonzero = false;
  for (uint32_t seed : {1u, 2u, 3u}) {
    Tensors inputs = random_inputs(ref, seed);
    Tensors direct = ref.run_direct(inputs);
    Tensors glue = ref.run_glue(inputs);
    ASSERT_EQ(direct.size(), glue.size());
    for (size_t i = 0; i < direct.size(); ++i) {
      EXPECT_EQ(direct[i], glue[i]) << "output " << i << " differs, seed " << seed;
      if (direct[i].find_first_not_of('\0') != std::string::npos) some_output_nonzero = true;
    }
  }
  // The comparison means something only if the model produced data.
  EXPECT_TRUE(some_output_nonzero);
}

TEST_P(GlueVsDirect, GlueIsStrictC99) {
  fs::path archive = shared_dir() / "fixtures" / "mlf" / (GetParam() + ".tar");
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not available (no shared fixtures)";
  HostReference ref(archive, work_dir(GetParam() + "_strict"), UTVM_SOURCE_DIR);
  std::string log;
  EXPECT_TRUE(utvm::codegen::test::compiles_strict(
      ref.glue_source(), &log, ref.model_dir() / "codegen" / "host" / "include"))
      << log;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GlueVsDirect,
                         ::testing::Values("sine_aot_v5", "yes_no_v5", "match_cpuonly_v7"));

TEST(GlueVsDirect, LetscopeNeedsArmOnThisHost) {
  fs::path archive = shared_dir() / "fixtures" / "mlf" / "letscope_int8_v7.tar";
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not available (no shared fixtures)";
  HostReference ref(archive, work_dir("letscope"), UTVM_SOURCE_DIR);
#if defined(__arm__) || defined(__aarch64__)
  GTEST_SKIP() << "Arm host: letscope is covered by the Cortex-M runs";
#else
  auto why = ref.host_incompatibility();
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("arm_acle.h"), std::string::npos);
  GTEST_SKIP() << "letscope: " << *why << " (it runs on Cortex-M later)";
#endif
}

// The generated glue and the model's own C compile for the Cortex-M target (letscope with the
// real <arm_acle.h> of the Arm toolchain).
class CortexM : public ::testing::TestWithParam<std::string> {};

TEST_P(CortexM, GlueAndModelCrossCompile) {
  fs::path archive = shared_dir() / "fixtures" / GetParam();
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not available (no shared fixtures)";
  std::string name = fs::path(GetParam()).stem().string();
  fs::path dir = work_dir("cortexm_" + name);
  HostReference ref(archive, dir / "ref", UTVM_SOURCE_DIR);
  std::ofstream(dir / "utvm_model.c") << ref.glue_source();
  std::vector<fs::path> sources = {dir / "utvm_model.c",
                                   fs::path(UTVM_SOURCE_DIR) / "device/src/workspace.c"};
  for (const std::string& s : ref.module().files.sources)
    sources.push_back(ref.model_dir() / s);
  std::string log;
  auto ok = utvm::codegen::test::cross_compiles_cortex_m(
      sources, {ref.model_dir() / "codegen/host/include"}, dir, &log);
  if (!ok) GTEST_SKIP() << "arm-none-eabi-gcc not installed";
  EXPECT_TRUE(*ok) << log;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CortexM,
                         ::testing::Values("mlf/sine_aot_v5.tar", "mlf/yes_no_v5.tar",
                                           "mlf/match_cpuonly_v7.tar", "mlf/letscope_int8_v7.tar",
                                           "tvm016/sine_graph.tar"));

// letscope's kernels use Arm ACLE intrinsics; with the harness's portable emulation it runs on
// x86 too: glue and direct must agree bit for bit, and the archive's own sample
// (samples/dummy_input.h -> samples/expected_output.h) must come out.
TEST(GlueVsDirect, LetscopeWithArmAcleEmulation) {
  fs::path archive = shared_dir() / "fixtures" / "mlf" / "letscope_int8_v7.tar";
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not available (no shared fixtures)";
  HostReference ref(archive, work_dir("letscope_emulated"), UTVM_SOURCE_DIR);
  ref.emulate_arm_acle();
  ASSERT_FALSE(ref.host_incompatibility().has_value());
  const std::string sample_in = {36, 42, 15, 38, 64};
  Tensors direct = ref.run_direct({sample_in});
  Tensors glue = ref.run_glue({sample_in});
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct, glue);
  EXPECT_EQ(direct[0], std::string(1, static_cast<char>(72)));
  for (uint32_t seed : {11u, 12u}) {
    Tensors inputs = random_inputs(ref, seed);
    EXPECT_EQ(ref.run_direct(inputs), ref.run_glue(inputs)) << "seed " << seed;
  }
}

TEST(GraphLowering, MatchesTvmOwnOutputsForSine) {
  fs::path dir = shared_dir() / "fixtures" / "tvm016";
  if (!fs::exists(dir / "sine_graph.tar")) GTEST_SKIP() << dir << " not available";
  HostReference ref(dir / "sine_graph.tar", work_dir("sine_graph"), UTVM_SOURCE_DIR);
  auto in = utvm::npz::read_npz(dir / "sine_inputs.npz");
  auto expected = utvm::npz::read_npz(dir / "sine_outputs.npz");
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_EQ(in[0].second.dtype, "float32");
  Tensors out = ref.run_glue({in[0].second.data});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), expected[0].second.data.size());
  for (size_t k = 0; k + 4 <= out[0].size(); k += 4) {
    float got, want;
    std::memcpy(&got, &out[0][k], 4);
    std::memcpy(&want, &expected[0].second.data[k], 4);
    EXPECT_NEAR(got, want, 1e-6) << "element " << k / 4;
  }
  // Running again with the same input gives the same bytes (no state leaks between runs).
  EXPECT_EQ(ref.run_glue({in[0].second.data}), out);
  std::string log;
  EXPECT_TRUE(utvm::codegen::test::compiles_strict(ref.glue_source(), &log)) << log;
  EXPECT_EQ(ref.glue_source().find("\"nodes\""), std::string::npos);  // no JSON on the device
}

// conv1d_graph_v5 is an aarch64 LLVM object (parse-only here): lowering must still work from
// v5 metadata without input names, declaring the kernels and embedding both params.
TEST(GraphLowering, LowersTheV5Conv1dGraph) {
  fs::path tar = shared_dir() / "fixtures" / "mlf" / "conv1d_graph_v5.tar";
  if (!fs::exists(tar)) GTEST_SKIP() << tar << " not available";
  utvm::mlf::Archive archive = utvm::mlf::Archive::read(tar);
  utvm::mlf::Model model = utvm::mlf::load_model(archive, tar.string());
  ASSERT_EQ(model.modules.size(), 1u);
  utvm::codegen::ExecutorOptions opts;
  opts.build_id = "conv1d";
  std::string c = utvm::codegen::generate_executor_c(archive, model.modules[0], opts);
  EXPECT_NE(c.find("int32_t tvmgen_default_fused_nn_conv1d(void* args"), std::string::npos);
  EXPECT_NE(c.find("int32_t tvmgen_default_fused_nn_bias_add(void* args"), std::string::npos);
  EXPECT_NE(c.find("utvm_graph_param0[6336]"), std::string::npos) << c.substr(0, 3000);
  EXPECT_NE(c.find("[132] UTVM_GLUE_ALIGNED = {  /* p1 */"), std::string::npos);
  EXPECT_NE(c.find(".name = \"input\", .dtype_code = 2, .dtype_bits = 32, .dtype_lanes = 1, "
                   ".ndim = 3"),
            std::string::npos);
  EXPECT_NE(c.find(".nbytes = 396u"), std::string::npos);  // output (1,33,3) float32
  std::string log;
  EXPECT_TRUE(utvm::codegen::test::compiles_strict(c, &log)) << log;
}

TEST(GraphLowering, SineIsDeterministicAcrossRandomInputs) {
  fs::path tar = shared_dir() / "fixtures" / "tvm016" / "sine_graph.tar";
  if (!fs::exists(tar)) GTEST_SKIP() << tar << " not available";
  HostReference ref(tar, work_dir("sine_graph_random"), UTVM_SOURCE_DIR);
  EXPECT_THROW(ref.run_direct({}), utvm::Error);
  Tensors a = random_inputs(ref, 7);
  Tensors b = random_inputs(ref, 8);
  ASSERT_NE(a, b);
  Tensors out_a = ref.run_glue(a);
  Tensors out_b = ref.run_glue(b);
  EXPECT_EQ(ref.run_glue(a), out_a);
  EXPECT_NE(out_a, out_b);  // a sine regressor maps different inputs to different outputs
}

}  // namespace
