// Real TVM models over the link: the fixtures' own generated C, utvm's glue, the device runtime
// and the POSIX port in one program, driven by LinkClient through a 64-byte receive buffer.
// Outputs must equal TVM's recorded outputs (sine, TVM 0.16) and the glue run without the link.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "posix_device.h"
#include "utvm/link/link_client.h"
#include "utvm/npz/npz.h"

namespace {

namespace fs = std::filesystem;
using utvm::codegen::testing::HostReference;
using utvm::link::LinkClient;

fs::path fixtures() {
  return fs::path(UTVM_SHARED_DIR) / "fixtures";
}
fs::path work(const std::string& name) {
  return fs::path(UTVM_BINARY_DIR) / "link-work" / name;
}

TEST(SineOverLink, MatchesTvmOwnOutputs) {
  const fs::path dir = fixtures() / "tvm016";
  if (!fs::exists(dir / "sine_graph.tar")) GTEST_SKIP() << dir << " not available";
  HostReference ref(dir / "sine_graph.tar", work("sine_graph") / "model", UTVM_SOURCE_DIR);
  auto exe = utvm::link::testing::build_posix_device(ref, work("sine_graph"), UTVM_SOURCE_DIR);
  auto dev = utvm::link::testing::start_pipe_device({exe.string(), "--rx-buffer", "64"});
  LinkClient link(*dev.stream);
  auto info = link.hello();
  EXPECT_EQ(info.model_name, "sine");
  ASSERT_EQ(info.inputs.size(), 1u);
  ASSERT_EQ(info.outputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].name, "dense_input");
  EXPECT_EQ(info.inputs[0].dtype, "float32");
  EXPECT_EQ(info.inputs[0].shape, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(info.outputs[0].name, "Identity");

  auto in = utvm::npz::read_npz(dir / "sine_inputs.npz");
  auto expected = utvm::npz::read_npz(dir / "sine_outputs.npz");
  ASSERT_EQ(in.size(), 1u);
  const std::string& x = in[0].second.data;
  link.set_input(0, {reinterpret_cast<const std::uint8_t*>(x.data()), x.size()});
  auto stats = link.run(3);
  EXPECT_EQ(stats.run_ns.size(), 3u);
  auto y = link.get_output(0);
  ASSERT_EQ(y.size(), expected[0].second.data.size());
  float got, want;
  std::memcpy(&got, y.data(), 4);
  std::memcpy(&want, expected[0].second.data.data(), 4);
  EXPECT_NEAR(got, want, 1e-6);
  // Bit-identical to the same glue run without the link.
  auto direct = ref.run_glue({x});
  EXPECT_EQ(std::string(y.begin(), y.end()), direct.at(0));
}

// AOT archives (C interface, packed wrapper): random inputs give the same bytes over the link
// as the glue run directly.
class AotOverLink : public ::testing::TestWithParam<const char*> {};

TEST_P(AotOverLink, SameBytesAsWithoutTheLink) {
  const fs::path tar = fixtures() / "mlf" / (std::string(GetParam()) + ".tar");
  if (!fs::exists(tar)) GTEST_SKIP() << tar << " not available";
  HostReference ref(tar, work(GetParam()) / "model", UTVM_SOURCE_DIR);
  if (auto why = ref.host_incompatibility()) GTEST_SKIP() << *why;
  auto exe = utvm::link::testing::build_posix_device(ref, work(GetParam()), UTVM_SOURCE_DIR);
  auto dev = utvm::link::testing::start_pipe_device({exe.string(), "--rx-buffer", "64"});
  LinkClient link(*dev.stream);
  const auto& info = link.info();
  ASSERT_EQ(info.inputs.size(), ref.input_sizes().size());
  std::vector<std::string> inputs;
  unsigned seed = 1;
  for (std::size_t i = 0; i < info.inputs.size(); ++i) {
    std::string bytes(info.inputs[i].nbytes, '\0');
    for (auto& b : bytes)
      b = static_cast<char>((seed = seed * 1103515245u + 12345u) >> 16);
    if (info.inputs[i].dtype == "float32") {  // keep floats finite: small values
      for (std::size_t k = 0; k + 4 <= bytes.size(); k += 4) {
        float v = static_cast<float>(static_cast<unsigned char>(bytes[k])) / 255.0f;
        std::memcpy(&bytes[k], &v, 4);
      }
    }
    link.set_input(static_cast<std::uint16_t>(i),
                   {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    inputs.push_back(bytes);
  }
  link.run(1);
  auto direct = ref.run_glue(inputs);
  ASSERT_EQ(direct.size(), info.outputs.size());
  for (std::size_t i = 0; i < info.outputs.size(); ++i) {
    auto y = link.get_output(static_cast<std::uint16_t>(i));
    EXPECT_EQ(std::string(y.begin(), y.end()), direct[i]) << "output " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AotOverLink,
                         ::testing::Values("sine_aot_v5", "yes_no_v5", "match_cpuonly_v7"));

}  // namespace
