#include "run_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "utvm/common/error.h"

namespace utvm::cli {
namespace {

npz::Array make_f32(std::vector<std::int64_t> shape, std::vector<float> values) {
  npz::Array a;
  a.dtype = "float32";
  a.shape = std::move(shape);
  a.data.resize(values.size() * 4);
  std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

npz::Array make_i8(std::vector<std::int64_t> shape, std::vector<std::int8_t> values) {
  npz::Array a;
  a.dtype = "int8";
  a.shape = std::move(shape);
  a.data.assign(reinterpret_cast<const char*>(values.data()), values.size());
  return a;
}

const std::vector<TensorSpec> kSpecs = {{"a", "float32", {1, 4}, 16}, {"b", "int8", {1, 3}, 3}};

TEST(PrepareInputs, UsesGivenArraysAndFillsTheRest) {
  auto given =
      std::vector<std::pair<std::string, npz::Array>>{{"a", make_f32({1, 4}, {1, 2, 3, 4})}};
  auto inputs = prepare_inputs(kSpecs, given, "in.npz", FillMode::kOnes, 0);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0].data, given[0].second.data);
  EXPECT_EQ(inputs[1].dtype, "int8");
  EXPECT_EQ(inputs[1].data, std::string("\x01\x01\x01", 3));
}

TEST(PrepareInputs, ZerosAndSeededRandom) {
  auto zeros = prepare_inputs(kSpecs, {}, "", FillMode::kZeros, 0);
  EXPECT_EQ(zeros[0].data, std::string(16, '\0'));
  auto r1 = prepare_inputs(kSpecs, {}, "", FillMode::kRandom, 7);
  auto r2 = prepare_inputs(kSpecs, {}, "", FillMode::kRandom, 7);
  auto r3 = prepare_inputs(kSpecs, {}, "", FillMode::kRandom, 8);
  EXPECT_EQ(r1[0].data, r2[0].data);
  EXPECT_NE(r1[0].data, r3[0].data);
  for (char c : r1[1].data)
    EXPECT_GE(static_cast<int>(c), 0);  // int8 random is [0,128)
  for (int i = 0; i < 4; ++i) {
    float v;
    std::memcpy(&v, r1[0].data.data() + 4 * i, 4);
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
  }
}

TEST(PrepareInputs, UnknownNameListsExpected) {
  auto given = std::vector<std::pair<std::string, npz::Array>>{{"zz", make_i8({1, 3}, {1, 2, 3})}};
  try {
    prepare_inputs(kSpecs, given, "in.npz", FillMode::kZeros, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_STREQ(e.what(),
                 "in.npz: the input tensor 'zz' is not in the graph. Expected inputs: "
                 "'['a', 'b']'");
  }
}

TEST(PrepareInputs, WrongDtypeOrShapeIsAnError) {
  auto wrong_dtype =
      std::vector<std::pair<std::string, npz::Array>>{{"b", make_f32({1, 3}, {1, 2, 3})}};
  EXPECT_THROW(prepare_inputs(kSpecs, wrong_dtype, "in.npz", FillMode::kZeros, 0), Error);
  auto wrong_shape =
      std::vector<std::pair<std::string, npz::Array>>{{"b", make_i8({3, 1}, {1, 2, 3})}};
  try {
    prepare_inputs(kSpecs, wrong_shape, "in.npz", FillMode::kZeros, 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shape (3, 1), the model wants (1, 3)"), std::string::npos)
        << e.what();
  }
}

TEST(FormatTop, IntegersLikeNumpy) {
  auto out = make_i8({1, 4}, {35, -100, -63, -128});
  EXPECT_EQ(format_top(out, 4), "[[   0    2    1    3]\n [  35  -63 -100 -128]]");
}

TEST(FormatTop, FloatsLikeNumpy) {
  auto out = make_f32({1, 3}, {0.25f, 2.0f, 0.5f});
  EXPECT_EQ(format_top(out, 2), "[[1.  2. ]\n [2.  0.5]]");
}

TEST(FormatTimeSummary, Statistics) {
  auto text = format_time_summary({0.001, 0.003, 0.002});
  EXPECT_NE(text.find("Execution time summary:"), std::string::npos);
  EXPECT_NE(text.find("2.0000"), std::string::npos);  // mean and median in ms
  EXPECT_NE(text.find("3.0000"), std::string::npos);  // max
  EXPECT_NE(text.find("0.8165"), std::string::npos);  // population std
  EXPECT_NE(text.find("mean (ms)"), std::string::npos);
}

// One unit whatever the board: microsecond runs stay in ms, with more decimals.
TEST(FormatTimeSummary, MillisecondsForFastModelsToo) {
  auto text = format_time_summary({2e-6, 4e-6});
  EXPECT_NE(text.find("mean (ms)"), std::string::npos) << text;
  EXPECT_EQ(text.find("(us)"), std::string::npos) << text;
  EXPECT_NE(text.find("0.003000"), std::string::npos) << text;
}

TEST(FormatTimeSummary, SaysWhenTheDeviceIsEmulated) {
  EXPECT_NE(format_time_summary({0.001}, true).find("Execution time summary (emulated):"),
            std::string::npos);
  EXPECT_EQ(format_time_summary({0.001}, false).find("emulated"), std::string::npos);
}

using Named = std::vector<std::pair<std::string, npz::Array>>;

TEST(CompareOutputs, ExactByKeyOrTensorName) {
  Named outputs = {{"output_0", make_f32({1, 3}, {1.0f, 2.0f, 3.0f})},
                   {"output_1", make_i8({2}, {5, -5})}};
  const std::vector<std::string> names = {"Identity", "logits"};
  EXPECT_TRUE(compare_outputs(outputs, names, outputs, "want.npz", 0, 0).empty());
  EXPECT_TRUE(compare_outputs(outputs, names, {{"logits", make_i8({2}, {5, -5})}}, "want.npz", 0, 0)
                  .empty());
  auto diffs = compare_outputs(outputs, names, {{"output_0", make_f32({1, 3}, {1.0f, 2.5f, 3.0f})}},
                               "want.npz", 0, 0);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0],
            "output_0: 1 of 3 elements differ; worst at flat index 1: got 2, expected 2.5");
}

TEST(CompareOutputs, TolerancesLikeAllclose) {
  Named outputs = {{"output_0", make_f32({2}, {1.0f, NAN})}};
  Named want = {{"output_0", make_f32({2}, {1.001f, NAN})}};
  EXPECT_EQ(compare_outputs(outputs, {}, want, "w", 0, 0).size(), 1u);
  EXPECT_TRUE(compare_outputs(outputs, {}, want, "w", 0, 2e-3).empty());
  EXPECT_TRUE(compare_outputs(outputs, {}, want, "w", 2e-3, 0).empty());
  EXPECT_EQ(compare_outputs(outputs, {}, want, "w", 1e-4, 1e-4).size(), 1u);
}

TEST(CompareOutputs, DtypeShapeAndUnknownKeys) {
  Named outputs = {{"output_0", make_f32({1, 3}, {1, 2, 3})}};
  auto diffs = compare_outputs(outputs, {"y"}, {{"y", make_i8({1, 3}, {1, 2, 3})}}, "w.npz", 0, 0);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0], "output_0: got float32 (1, 3), expected int8 (1, 3)");
  try {
    compare_outputs(outputs, {"y"}, {{"z", make_i8({1}, {1})}}, "w.npz", 0, 0);
    ADD_FAILURE() << "no error for an unknown key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_STREQ(e.what(),
                 "w.npz: 'z' is not an output of the model; its outputs are: output_0 (y)");
  }
}

TEST(OutputMetrics, IdenticalOutputs) {
  // Rounding makes dot / (|a| |a|) 0.9999999999999998 here; identical outputs report exactly 1.
  const auto a = make_f32({1, 3}, {-0.0725860595703125f, -0.1180419921875f, 0.12628173828125f});
  const auto m = output_metrics(a, a);
  EXPECT_TRUE(m.same_layout);
  EXPECT_TRUE(m.bit_identical);
  EXPECT_EQ(m.count, 3u);
  EXPECT_EQ(m.max_abs_error, 0.0);
  EXPECT_EQ(m.rmse, 0.0);
  EXPECT_EQ(m.cosine, 1.0);
  EXPECT_TRUE(m.has_top1);
  EXPECT_TRUE(m.top1_agree);
  EXPECT_EQ(m.argmax_got, 2u);
}

TEST(OutputMetrics, ErrorsCosineAndTop1) {
  // Errors 0, 3, 4: max 4, RMSE sqrt(25 / 3); argmax 1 vs 2.
  const auto got = make_f32({3}, {1.0f, 5.0f, 0.0f});
  const auto want = make_f32({3}, {1.0f, 2.0f, 4.0f});
  const auto m = output_metrics(got, want);
  EXPECT_FALSE(m.bit_identical);
  EXPECT_DOUBLE_EQ(m.max_abs_error, 4.0);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(25.0 / 3.0));
  EXPECT_DOUBLE_EQ(m.cosine, 11.0 / (std::sqrt(26.0) * std::sqrt(21.0)));
  EXPECT_FALSE(m.top1_agree);
  EXPECT_EQ(m.argmax_got, 1u);
  EXPECT_EQ(m.argmax_want, 2u);
  // Opposite vectors; ties go to the first index, like numpy.argmax.
  const auto neg = output_metrics(make_i8({2}, {3, 3}), make_i8({2}, {-3, -3}));
  EXPECT_DOUBLE_EQ(neg.cosine, -1.0);
  EXPECT_TRUE(neg.top1_agree);
  EXPECT_DOUBLE_EQ(neg.max_abs_error, 6.0);
}

TEST(OutputMetrics, ZerosScalarsAndLayouts) {
  EXPECT_DOUBLE_EQ(output_metrics(make_f32({2}, {0, 0}), make_f32({2}, {0, 0})).cosine, 1.0);
  EXPECT_DOUBLE_EQ(output_metrics(make_f32({2}, {0, 0}), make_f32({2}, {0, 1})).cosine, 0.0);
  const auto scalar = output_metrics(make_f32({1}, {2}), make_f32({1}, {1}));
  EXPECT_FALSE(scalar.has_top1);
  EXPECT_DOUBLE_EQ(scalar.rmse, 1.0);
  EXPECT_FALSE(output_metrics(make_f32({3}, {1, 2, 3}), make_i8({3}, {1, 2, 3})).same_layout);
  EXPECT_FALSE(output_metrics(make_f32({3}, {1, 2, 3}), make_f32({1, 3}, {1, 2, 3})).same_layout);
  EXPECT_TRUE(
      std::isnan(output_metrics(make_f32({2}, {NAN, 1}), make_f32({2}, {1, 1})).max_abs_error));
}

}  // namespace
}  // namespace utvm::cli
