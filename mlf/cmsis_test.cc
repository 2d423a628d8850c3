// scan_cmsis_use: which CMSIS headers a model's C includes and which CMSIS-NN functions it calls;
// on hand-written sources and on the MLPerf Tiny KWS fixture (TVM's CMSIS-NN output).
#include "utvm/mlf/cmsis.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/model_json.h"

namespace utvm::mlf {
namespace {

using Files = std::vector<std::pair<std::string, const std::string*>>;

TEST(CmsisHeaders, Parts) {
  CmsisPart part;
  ASSERT_TRUE(cmsis_header_part("arm_nnfunctions.h", &part));
  EXPECT_EQ(part, CmsisPart::kNn);
  ASSERT_TRUE(cmsis_header_part("arm_nnsupportfunctions.h", &part));
  EXPECT_EQ(part, CmsisPart::kNn);
  ASSERT_TRUE(cmsis_header_part("arm_nn_types.h", &part));
  EXPECT_EQ(part, CmsisPart::kNn);
  ASSERT_TRUE(cmsis_header_part("CMSIS/NN/Include/arm_nn_math_types.h", &part));
  EXPECT_EQ(part, CmsisPart::kNn);
  ASSERT_TRUE(cmsis_header_part("arm_math.h", &part));
  EXPECT_EQ(part, CmsisPart::kDsp);
  ASSERT_TRUE(cmsis_header_part("dsp/basic_math_functions.h", &part));
  EXPECT_EQ(part, CmsisPart::kDsp);
  ASSERT_TRUE(cmsis_header_part("cmsis_compiler.h", &part));
  EXPECT_EQ(part, CmsisPart::kCore);
  ASSERT_TRUE(cmsis_header_part("core_cm4.h", &part));
  EXPECT_EQ(part, CmsisPart::kCore);
  // Compiler headers, not CMSIS: the host emulates arm_acle.h itself.
  EXPECT_FALSE(cmsis_header_part("arm_acle.h", &part));
  EXPECT_FALSE(cmsis_header_part("arm_mve.h", &part));
  EXPECT_FALSE(cmsis_header_part("arm_neon.h", &part));
  EXPECT_FALSE(cmsis_header_part("math.h", &part));
  EXPECT_FALSE(cmsis_header_part("tvm/runtime/c_runtime_api.h", &part));
}

TEST(CmsisScan, IncludesAndCalls) {
  const std::string lib1 =
      "#include \"tvm/runtime/c_runtime_api.h\"\n#include <math.h>\n"
      "int32_t f(void) { return 0; }\n";
  const std::string lib2 =
      "#include <arm_nnfunctions.h>\n"
      "  #  include \"arm_nn_types.h\"\n"
      "#include <arm_nnfunctions.h>\n"
      "// arm_commented_out(1);\n/* arm_in_block(2); */\n"
      "const char* s = \"arm_in_string(3)\";\n"
      "int32_t g(void) {\n"
      "  arm_cmsis_nn_status st = arm_convolve_wrapper_s8 (&ctx, &p);\n"
      "  st = arm_softmax_s8(a, b);\n  st = arm_softmax_s8(a, b);\n"
      "  my_arm_thing(1);\n  return st;\n}\n";
  const std::string schedule = "#include <arm_math.h>\nint h(int a) { return arm_not_nn(a); }\n";
  Files files = {{"codegen/host/src/default_lib1.c", &lib1},
                 {"codegen/host/src/default_lib2.c", &lib2},
                 {"codegen/host/src/default_lib3.c", &schedule}};
  CmsisUse use = scan_cmsis_use(files);
  ASSERT_TRUE(use.needed());
  ASSERT_EQ(use.includes.size(), 3u);
  EXPECT_EQ(use.includes[0].header, "arm_nnfunctions.h");
  EXPECT_EQ(use.includes[0].file, "codegen/host/src/default_lib2.c");
  EXPECT_EQ(use.includes[1].header, "arm_nn_types.h");
  EXPECT_EQ(use.includes[2].header, "arm_math.h");
  EXPECT_EQ(use.includes[2].part, CmsisPart::kDsp);
  EXPECT_TRUE(use.needs(CmsisPart::kNn));
  EXPECT_TRUE(use.needs(CmsisPart::kDsp));
  EXPECT_FALSE(use.needs(CmsisPart::kCore));
  // Only calls in files that include a CMSIS-NN header; comments and strings do not count.
  EXPECT_EQ(use.nn_functions,
            (std::vector<std::string>{"arm_convolve_wrapper_s8", "arm_softmax_s8"}));
  EXPECT_TRUE(use.uses_nn_status);
}

TEST(CmsisScan, PlainModelNeedsNothing) {
  const std::string src =
      "#include <arm_acle.h>\n#include <math.h>\nint f(int x) { return __smlad(x, x, x); }\n";
  CmsisUse use = scan_cmsis_use(Files{{"codegen/host/src/default_lib1.c", &src}});
  EXPECT_FALSE(use.needed());
  EXPECT_TRUE(use.nn_functions.empty());
}

TEST(CmsisScan, KwsFixture) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  Model model = load_model(
      std::filesystem::path(testing::shared_dir() + "/fixtures/mlf/kws_cmsisnn_nrf5340dk.tar"));
  ASSERT_EQ(model.modules.size(), 1u);
  const CmsisUse& use = model.modules[0].cmsis;
  ASSERT_TRUE(use.needed());
  EXPECT_EQ(use.includes[0].header, "arm_nnfunctions.h");
  EXPECT_EQ(use.includes[0].file, "codegen/host/src/default_lib2.c");
  EXPECT_EQ(use.nn_functions,
            (std::vector<std::string>{"arm_avgpool_s8", "arm_convolve_wrapper_s8",
                                      "arm_depthwise_conv_wrapper_s8", "arm_fully_connected_s8",
                                      "arm_softmax_s8"}));
  EXPECT_TRUE(use.uses_nn_status);
  const auto j = model_to_json(model)["modules"][0]["cmsis"];
  EXPECT_EQ(j["needed"], true);
  EXPECT_EQ(j["functions"].size(), 5u);
  EXPECT_EQ(j["includes"][0]["part"], "CMSIS-NN");

  // The other fixtures need no CMSIS (letscope includes <arm_acle.h>, a compiler header).
  for (const char* other : {"mlf/letscope_int8_v7.tar", "mlf/sine_aot_v5.tar"}) {
    Model m = load_model(std::filesystem::path(testing::shared_dir() + "/fixtures/" + other));
    EXPECT_FALSE(m.modules[0].cmsis.needed()) << other;
    EXPECT_EQ(model_to_json(m)["modules"][0]["cmsis"]["needed"], false) << other;
  }
}

}  // namespace
}  // namespace utvm::mlf
