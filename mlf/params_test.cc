// parse_params: real files, encoder round trip, and every truncation / inconsistency.
#include "utvm/mlf/params.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/dtype.h"

namespace utvm::mlf {
namespace {

using testing::RawParam;
using Shape = std::vector<std::int64_t>;

std::string expect_error(const std::string& bytes) {
  try {
    parse_params(bytes, "x.params");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    std::string what = e.what();
    EXPECT_EQ(what.rfind("x.params: offset ", 0), 0u) << what;
    return what;
  }
  ADD_FAILURE() << "accepted a bad params blob";
  return "";
}

std::string sample() {
  return testing::encode_params({{"p0", 2, 32, {2, 3}, std::string(24, '\x01')},
                                 {"scalar", 1, 16, {}, std::string("\x05\x00", 2)},
                                 {"w", 0, 8, {4}, "abcd"}});
}

TEST(Params, RoundTrip) {
  auto params = parse_params(sample(), "x.params");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].name, "p0");
  EXPECT_EQ(params[0].dtype, "float32");
  EXPECT_EQ(params[0].shape, Shape({2, 3}));
  EXPECT_EQ(params[0].data.size(), 24u);
  EXPECT_EQ(params[1].dtype, "uint16");
  EXPECT_TRUE(params[1].shape.empty());
  EXPECT_EQ(params[2].dtype, "int8");
  EXPECT_EQ(params[2].data, "abcd");
}

TEST(Params, EmptyMapIs32Bytes) {
  std::string empty = testing::encode_params({});
  EXPECT_EQ(empty.size(), 32u);
  EXPECT_TRUE(parse_params(empty, "x.params").empty());
}

TEST(Params, EveryTruncationIsAnErrorWithAnOffset) {
  std::string blob = sample();
  for (std::size_t n = 0; n < blob.size(); ++n) {
    SCOPED_TRACE(n);
    std::string what = expect_error(blob.substr(0, n));
    EXPECT_FALSE(what.empty());
  }
}

TEST(Params, Inconsistencies) {
  std::string blob = sample();
  std::string bad = blob;
  bad[0] = 0;
  EXPECT_NE(expect_error(bad).find("magic"), std::string::npos);
  EXPECT_NE(expect_error(blob + "x").find("trailing"), std::string::npos);
  // Array count (after header 16 + count 8 + names) differs from the name count.
  std::size_t names_end = 24 + (8 + 2) + (8 + 6) + (8 + 1);
  bad = blob;
  bad[names_end] = 2;
  EXPECT_NE(expect_error(bad).find("does not match"), std::string::npos);
  // data_byte_size disagrees with the shape: p0's size field.
  std::size_t p0_size = names_end + 8 + 16 + 8 + 4 + 4 + 16;
  bad = blob;
  bad[p0_size] = 23;
  EXPECT_NE(expect_error(bad).find("data_byte_size"), std::string::npos);
  // A huge name count cannot allocate.
  bad = blob;
  bad[16 + 7] = 0x7f;
  EXPECT_NE(expect_error(bad).find("impossible"), std::string::npos);
  // dtypes whose names would not mean the same element size (found by fuzz_mlf_params).
  for (auto [code, bits] : {std::pair<int, int>{0, 3}, {3, 16}, {9, 8}}) {
    std::string t = testing::encode_params(
        {{"t", static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(bits), {1}, "ab"}});
    EXPECT_NE(expect_error(t).find("unsupported dtype"), std::string::npos);
  }
  // Device type other than CPU.
  bad = blob;
  bad[names_end + 8 + 16] = 2;
  EXPECT_NE(expect_error(bad).find("device_type"), std::string::npos);
}

// Issue 14 item 12: vector lanes count (float32x4[2] is 32 bytes, not 8).
TEST(Reliability, ParamsCountVectorLanes) {
  std::string eight = testing::encode_params({{"v", 2, 32, {2}, std::string(8, '\0'), 4}});
  EXPECT_NE(expect_error(eight).find("data_byte_size 8"), std::string::npos);
  auto ok = parse_params(testing::encode_params({{"v", 2, 32, {2}, std::string(32, '\0'), 4}}),
                         "x.params");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].dtype, "float32x4");
  EXPECT_EQ(ok[0].data.size(), 32u);
}

// Issue 14 item 12: float64[2^61] needs 2^64 bytes; unchecked, that wrapped to 0 and an empty
// tensor passed for an enormous one.
TEST(Reliability, ParamsSizeArithmeticIsChecked) {
  std::string wrap = testing::encode_params({{"w", 2, 64, {std::int64_t{1} << 61}, ""}});
  EXPECT_NE(expect_error(wrap).find("overflow"), std::string::npos);
  std::string lanes = testing::encode_params({{"w", 2, 32, {std::int64_t{1} << 50}, "", 65535}});
  EXPECT_NE(expect_error(lanes).find("overflow"), std::string::npos);
}

TEST(Params, RealFiles) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  const std::string dir = testing::shared_dir() + "/fixtures/mlf/";
  {
    Archive a = Archive::read(dir + "sine_aot_v5.tar");
    auto p = parse_params(*a.find("parameters/default.params"), "sine default.params");
    ASSERT_EQ(p.size(), 6u);
    std::vector<std::string> names;
    std::uint64_t total = 0;
    for (const auto& x : p) {
      names.push_back(x.name);
      total += x.data.size();
      EXPECT_EQ(x.dtype, "float32");
    }
    EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p4", "p2", "p3", "p5"}));
    EXPECT_EQ(p[0].shape, Shape({16, 1}));
    EXPECT_EQ(p[2].shape, Shape({1, 16}));
    EXPECT_EQ(total, 1284u);  // constants_size_bytes
  }
  {
    Archive a = Archive::read(dir + "conv1d_graph_v5.tar");
    auto p = parse_params(*a.find("parameters/default.params"), "conv1d default.params");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "p0");
    EXPECT_EQ(p[0].shape, Shape({33, 16, 3}));
    EXPECT_EQ(p[0].data.size(), 6336u);
    EXPECT_EQ(p[1].shape, Shape({33}));
  }
  {
    Archive a = Archive::read(dir + "yes_no_v5.tar");
    auto p = parse_params(*a.find("parameters/default.params"), "yes_no default.params");
    EXPECT_EQ(p.size(), 9u);
    int scalars = 0;
    for (const auto& x : p)
      scalars += x.shape.empty();
    EXPECT_EQ(scalars, 2);
  }
}

TEST(DType, Sizes) {
  EXPECT_EQ(dtype_bytes("int8"), 1u);
  EXPECT_EQ(dtype_bytes("uint8"), 1u);
  EXPECT_EQ(dtype_bytes("int16"), 2u);
  EXPECT_EQ(dtype_bytes("float32"), 4u);
  EXPECT_EQ(dtype_bytes("float64"), 8u);
  EXPECT_EQ(dtype_bytes("bfloat16"), 2u);
  EXPECT_EQ(dtype_bytes("bool"), 1u);
  EXPECT_EQ(dtype_bytes("int8x4"), 4u);
  EXPECT_THROW(dtype_bytes("float7"), Error);
  EXPECT_THROW(dtype_bytes("complex"), Error);
  EXPECT_THROW(dtype_bytes(""), Error);
  EXPECT_EQ(dtype_name(parse_dtype("uint16x2")), "uint16x2");
}

}  // namespace
}  // namespace utvm::mlf
