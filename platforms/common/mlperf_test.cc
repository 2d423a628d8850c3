// project_type=mlperf_tiny's option checks and generated settings (platforms/common/mlperf.h).
#include "common/mlperf.h"

#include <gtest/gtest.h>

#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace {

using json = nlohmann::json;

mlf::Module module_with(std::string in_dtype, std::uint64_t in_bytes, std::string out_dtype,
                        std::uint64_t out_bytes) {
  mlf::Module m;
  m.name = "default";
  m.inputs.push_back({"input_1", "input_1", std::move(in_dtype), std::nullopt, in_bytes});
  m.outputs.push_back({"Identity", "Identity", std::move(out_dtype), std::nullopt, out_bytes});
  return m;
}

// The ServerError's message; it must carry exit code 3.
std::string option_error(const json& options, const mlf::Module& m) {
  try {
    mlperf_firmware(options, std::span<const mlf::Module>(&m, 1));
  } catch (const project_api::ServerError& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption) << e.what();
    return e.message();
  }
  ADD_FAILURE() << "no error for " << options.dump();
  return {};
}

TEST(Mlperf, ProjectType) {
  EXPECT_FALSE(is_mlperf_project(json::object()));
  EXPECT_FALSE(is_mlperf_project({{"project_type", "host_driven"}}));
  EXPECT_TRUE(is_mlperf_project({{"project_type", "mlperf_tiny"}}));
  EXPECT_THROW(is_mlperf_project({{"project_type", "mlperftiny"}}), project_api::ServerError);
}

TEST(Mlperf, KwsSettings) {
  const auto m = module_with("int8", 490, "int8", 12);
  const auto fw =
      mlperf_firmware({{"mlperf_benchmark", "kws01"}}, std::span<const mlf::Module>(&m, 1));
  EXPECT_EQ(fw.baud, 115200u);
  EXPECT_EQ(fw.sample_bytes, 490u);
  EXPECT_NE(fw.config_c.find("utvm_mlperf_sample[490]"), std::string::npos);
  EXPECT_NE(fw.config_c.find("/* output_zero_point */ -128,"), std::string::npos);
  EXPECT_NE(fw.config_c.find("/* result_decimals */ 3,"), std::string::npos);
  EXPECT_EQ(fw.project_json["benchmark"], "kws01");
}

TEST(Mlperf, AdDefaultsAndQuantisedInput) {
  const auto f = module_with("float32", 2560, "float32", 2560);
  const auto fw =
      mlperf_firmware({{"mlperf_benchmark", "ad01"}}, std::span<const mlf::Module>(&f, 1));
  EXPECT_EQ(fw.baud, 921600u);
  EXPECT_EQ(fw.sample_bytes, 2560u);
  const auto q = module_with("int8", 640, "int8", 640);
  EXPECT_NE(option_error({{"mlperf_benchmark", "ad01"}}, q).find("mlperf_input_scale"),
            std::string::npos);
  const auto fq = mlperf_firmware(
      {{"mlperf_benchmark", "ad01"}, {"mlperf_input_scale", "0.25"}, {"baud", 9600}},
      std::span<const mlf::Module>(&q, 1));
  EXPECT_EQ(fq.sample_bytes, 2560u);
  EXPECT_EQ(fq.baud, 9600u);
  EXPECT_NE(fq.config_c.find("/* input_scale */ (float)(0.25),"), std::string::npos);
}

TEST(Mlperf, ModelThatDoesNotFitTheBenchmark) {
  const auto kws = module_with("int8", 490, "int8", 12);
  EXPECT_NE(option_error(json::object(), kws).find("needs option mlperf_benchmark"),
            std::string::npos);
  EXPECT_NE(option_error({{"mlperf_benchmark", "kws02"}}, kws).find("not one of"),
            std::string::npos);
  const std::string wrong = option_error({{"mlperf_benchmark", "ic01"}}, kws);
  EXPECT_NE(wrong.find("input 'input_1' is int8 of 490 bytes"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("3072"), std::string::npos) << wrong;
  const auto classes = module_with("int8", 490, "int8", 10);
  EXPECT_NE(option_error({{"mlperf_benchmark", "kws01"}}, classes).find("scores 12 classes"),
            std::string::npos);
  const auto f32 = module_with("float32", 1960, "float32", 48);
  EXPECT_NE(option_error({{"mlperf_benchmark", "kws01"}}, f32).find("need int8 of 490 bytes"),
            std::string::npos);
  EXPECT_NE(option_error({{"mlperf_benchmark", "kws01"}, {"baud", 12}}, kws).find("option baud"),
            std::string::npos);
  EXPECT_NE(option_error({{"mlperf_benchmark", "kws01"}, {"mlperf_output_scale", "x"}}, kws)
                .find("mlperf_output_scale"),
            std::string::npos);
}

}  // namespace
}  // namespace utvm::platforms
