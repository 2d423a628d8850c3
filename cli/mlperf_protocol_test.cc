// utvm bench's side of the MLPerf Tiny protocol against the real DUT (device/mlperf/mlperf_dut.c)
// in-process, and the runner's scoring (Top-1, AUC, median, label files).
#include "mlperf_protocol.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>

#include "mlperf_score.h"
#include "utvm/common/error.h"
#include "utvm/mlperf_dut.h"
#include "utvm/model.h"

namespace {

std::string g_device_out;  // what the DUT wrote, not yet read by the host
std::uint64_t g_now_ns = 0;

}  // namespace

extern "C" {
int utvm_port_read(std::uint8_t*, std::size_t) {
  return -1;
}
int utvm_port_write(const std::uint8_t* buf, std::size_t n) {
  g_device_out.append(reinterpret_cast<const char*>(buf), n);
  return 0;
}
std::uint64_t utvm_port_time_ns(void) {
  return g_now_ns += 250000;  // 0.25 ms per reading
}
void utvm_port_reset(void) {}
}

namespace utvm::cli::mlperf {
namespace {

// kws01-shaped model: output[i] = input[i] (int8), so the scores follow the sample.
alignas(16) std::uint8_t g_in[490];
alignas(16) std::uint8_t g_out[12];
std::int64_t g_shape[2] = {1, 12};
int g_runs = 0;
std::int32_t run_model() {
  ++g_runs;
  std::memcpy(g_out, g_in, sizeof g_out);
  return 0;
}
utvm_tensor_t g_input = {"input_1", 0, 8, 1, 2, g_shape, g_in, 490};
utvm_tensor_t g_output = {"Identity", 0, 8, 1, 2, g_shape, g_out, 12};
utvm_model_t g_model = {"default", "test", 1, 1, &g_input, &g_output, run_model};
const utvm_mlperf_config_t g_config = {UTVM_MLPERF_KWS01, 1.0f / 256, -128, 1.0f, 0, 3};

// The host's stream into the DUT: writes feed it, reads take what it printed; `extra` is
// device output injected before the next read (a banner, noise).
class DutStream : public transport::ByteStream {
 public:
  DutStream() {
    utvm_mlperf_init(&dut_, &g_config, &g_model, sample_, sizeof sample_);
    g_device_out.clear();
  }
  void write(std::span<const std::uint8_t> data, std::chrono::steady_clock::time_point) override {
    writes.emplace_back(data.begin(), data.end());
    if (silent) return;
    for (std::uint8_t c : data)
      utvm_mlperf_feed(&dut_, c);
  }
  std::size_t read(std::span<std::uint8_t> buf, std::chrono::steady_clock::time_point) override {
    if (g_device_out.empty()) throw transport::TransportTimeout("nothing");
    const std::size_t n = std::min(buf.size(), std::size_t{3});  // a few bytes at a time
    std::memcpy(buf.data(), g_device_out.data(), n);
    g_device_out.erase(0, n);
    return n;
  }
  utvm_mlperf_dut_t dut_{};
  std::uint8_t sample_[490];
  std::vector<std::vector<std::uint8_t>> writes;
  bool silent = false;
};

TEST(MlperfProtocol, IdentifyLoadInferAgainstTheDeviceCode) {
  DutStream s;
  Dut dut(s);
  utvm_mlperf_banner(&s.dut_);
  const auto banner = dut.drain(std::chrono::milliseconds(10));
  ASSERT_EQ(banner.size(), 4u);
  EXPECT_EQ(banner.back(), "m-ready");
  EXPECT_EQ(dut.name(), "utvm");
  const auto profile = dut.profile();
  EXPECT_EQ(profile.model, "kws01");
  EXPECT_EQ(profile.firmware, "ULPMark for tinyML Firmware V0.0.1");
  // The text and the '%' go out in two writes, as the runner sends them.
  ASSERT_GE(s.writes.size(), 2u);
  EXPECT_EQ(std::string(s.writes[s.writes.size() - 2].begin(), s.writes[s.writes.size() - 2].end()),
            "profile");
  EXPECT_EQ(std::string(s.writes.back().begin(), s.writes.back().end()), "%");

  std::vector<std::uint8_t> sample(490, 0x80);  // every score at 0 ...
  sample[7] = 0x7f;                             // ... but class 7
  sample[3] = 0x00;
  s.writes.clear();
  dut.load(sample);
  EXPECT_EQ(s.writes.size(), 2u * 17);  // db load + 16 chunks, each text then '%'
  EXPECT_EQ(std::vector<std::uint8_t>(s.sample_, s.sample_ + 490), sample);
  g_runs = 0;
  const auto r = dut.infer(70, 10);
  EXPECT_EQ(g_runs, 80);
  ASSERT_TRUE(r.has_results);
  ASSERT_EQ(r.results.size(), 12u);
  EXPECT_DOUBLE_EQ(r.results[7], 0.996);
  EXPECT_DOUBLE_EQ(r.results[3], 0.5);
  EXPECT_EQ(argmax(r.results), 7u);
  ASSERT_TRUE(r.elapsed_us());
  EXPECT_GT(*r.elapsed_us(), 0u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.lines.back(), "m-ready");
}

TEST(MlperfProtocol, NoResponseIsATransportErrorInTheRunnersWords) {
  DutStream s;
  s.silent = true;
  Dut dut(s, {std::chrono::milliseconds(5), std::chrono::milliseconds(5)});
  try {
    dut.command("name");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_STREQ(e.what(), "No response to command name");
  }
}

TEST(MlperfProtocol, RepliesAreReadLikeTheRunnerReadsThem) {
  DutStream s;
  s.silent = true;
  Dut dut(s);
  // CR and NUL dropped, bare LF ends a line, empty lines skipped, any line containing m-ready
  // ends the reply.
  g_device_out = std::string("\r\nm-lap-us-5\n") + std::string(1, '\0') +
                 "\r\nm-lap-us-9\r\nm-lap-us-12\r\nm-results-[1,2,]\r\nxx m-ready yy\r\n";
  const auto r = dut.infer(1, 0);
  EXPECT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.start_us, 5u);
  EXPECT_EQ(r.end_us, 12u);  // later laps overwrite the end
  EXPECT_EQ(r.results, (std::vector<double>{1, 2}));
}

TEST(MlperfProtocol, ResultsLineParsing) {
  EXPECT_EQ(parse_results_line("m-results-[0.5, 1e-3 ,2]"), (std::vector<double>{0.5, 1e-3, 2}));
  EXPECT_EQ(parse_results_line("m-results-[]"), std::nullopt);
  EXPECT_EQ(parse_results_line("m-results-[1] "), std::nullopt);  // nothing after ']'
  EXPECT_EQ(parse_results_line("x m-results-[1]"), std::nullopt);
  EXPECT_EQ(parse_results_line("m-results-[1,abc]"), std::vector<double>{});
  EXPECT_EQ(parse_results_line("m-results-[0x10]"), std::vector<double>{});
}

TEST(MlperfScore, MedianArgmaxAuc) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_EQ(argmax({0.2, 0.5, 0.5}), 1u);
  // sklearn's documented example.
  EXPECT_DOUBLE_EQ(*roc_auc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
  EXPECT_DOUBLE_EQ(*roc_auc({0.5, 0.5}, {false, true}), 0.5);
  EXPECT_EQ(roc_auc({0.1, 0.2}, {true, true}), std::nullopt);
}

TEST(MlperfScore, ClassifierTop1AndAuc) {
  // Three classes; the third sample is wrong; ties go to the lowest index.
  const std::vector<std::vector<double>> scores = {
      {0.8, 0.1, 0.1}, {0.1, 0.8, 0.1}, {0.4, 0.4, 0.2}, {0.1, 0.1, 0.8}};
  const auto s = score_classifier(scores, {0, 1, 1, 2}, 3);
  EXPECT_EQ(s.predicted, (std::vector<std::size_t>{0, 1, 0, 2}));
  EXPECT_DOUBLE_EQ(s.top1, 75.0);
  ASSERT_TRUE(s.auc);
  EXPECT_GT(*s.auc, 0.5);
  EXPECT_LE(*s.auc, 1.0);
  // A class missing from the labels: no AUC (sklearn would raise), Top-1 still.
  const auto missing = score_classifier({{0.9, 0.1, 0.0}, {0.2, 0.8, 0.0}}, {0, 1}, 3);
  EXPECT_FALSE(missing.auc);
  EXPECT_NE(missing.auc_note.find("class 2"), std::string::npos);
  EXPECT_DOUBLE_EQ(missing.top1, 100.0);
  // Two classes: column 1 against the labels.
  const auto vww = score_classifier({{0.9, 0.1}, {0.3, 0.7}, {0.6, 0.4}}, {0, 1, 1}, 2);
  EXPECT_DOUBLE_EQ(*vww.auc, 1.0);
  EXPECT_THROW(score_classifier({{0, 0}}, {0}, 2), Error);
}

TEST(MlperfScore, AnomalyAucAndBestThreshold) {
  const auto s = score_anomaly({0.1, 0.2, 0.9, 1.0}, {0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(*s.auc, 1.0);
  EXPECT_NEAR(s.top1, 100.0, 1e-4);
  const auto mixed = score_anomaly({0.1, 0.9, 0.2, 1.0}, {1, 0, 0, 1});
  EXPECT_DOUBLE_EQ(*mixed.auc, 0.5);
}

TEST(MlperfScore, LabelFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "utvm_mlperf_labels_test";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "y_labels.csv") << text;
    return dir / "y_labels.csv";
  };
  auto rows = read_labels(write("tst_000000_Stop_7.bin, 12, 7\na.bin,12, 0\n\n"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].file, "tst_000000_Stop_7.bin");
  EXPECT_EQ(rows[0].label, 7);
  EXPECT_EQ(rows[1].classes, 12);
  rows = read_labels(write("normal_id_01.bin, 2, 0, 2560, 512\n"));
  EXPECT_EQ(rows[0].window_bytes, 2560u);
  EXPECT_EQ(rows[0].stride, 512u);
  for (const char* bad : {"file,classes,class\n", "a.bin, 12\n", "a.bin, x, 1\n", ""}) {
    try {
      read_labels(write(bad));
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kBadInput) << bad;
    }
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(read_labels(dir / "y_labels.csv"), Error);
}

}  // namespace
}  // namespace utvm::cli::mlperf
