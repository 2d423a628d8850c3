// The MLPerf Tiny DUT (mlperf_dut.c) in-process: commands go in as the runner sends them, the
// replies are checked line by line against what the runner's regexes need (docs/mlperf-tiny.md),
// including the pitfalls: m-ready only as a reply's last line, ASCII only, the longest db
// commands, a sample larger than the buffer, an all-zero result vector.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "utvm/mlperf_dut.h"
#include "utvm/model.h"
#include "utvm/port.h"

namespace {

struct FakePort {
  std::string in;
  std::size_t pos = 0;
  std::string out;
  std::uint64_t now_ns = 0;
} g_port;

}  // namespace

extern "C" {
int utvm_port_read(std::uint8_t* buf, std::size_t n) {
  if (g_port.pos >= g_port.in.size()) return -1;
  std::size_t k = std::min(n, g_port.in.size() - g_port.pos);
  std::memcpy(buf, g_port.in.data() + g_port.pos, k);
  g_port.pos += k;
  return static_cast<int>(k);
}
int utvm_port_write(const std::uint8_t* buf, std::size_t n) {
  g_port.out.append(reinterpret_cast<const char*>(buf), n);
  return 0;
}
std::uint64_t utvm_port_time_ns(void) {
  return g_port.now_ns += 1500;  // 1.5 us per call
}
void utvm_port_reset(void) {}
}

namespace {

// A model whose output is chosen by the test: `next_output` (int8 or float32 bytes) is copied to
// the output on every run; the input is kept for inspection.
int g_runs = 0;
alignas(16) std::uint8_t g_in[4096];
alignas(16) std::uint8_t g_out[4096];
std::vector<std::uint8_t> g_next_output;
std::int64_t g_shape[2] = {1, 1};

std::int32_t fake_run() {
  ++g_runs;
  std::memcpy(g_out, g_next_output.data(), g_next_output.size());
  return 0;
}

utvm_tensor_t g_input = {"input_1", 0, 8, 1, 2, g_shape, g_in, 490};
utvm_tensor_t g_output = {"Identity", 0, 8, 1, 2, g_shape, g_out, 12};
utvm_model_t g_model = {"default", "test", 1, 1, &g_input, &g_output, fake_run};

class MlperfDut : public ::testing::Test {
 protected:
  void SetUp() override { configure(UTVM_MLPERF_KWS01, 0, 490, 0, 12); }

  // Benchmark, the input's (dtype code, bytes), the output's (dtype code, bytes).
  void configure(utvm_mlperf_benchmark_t b, std::uint8_t in_code, std::uint32_t in_bytes,
                 std::uint8_t out_code, std::uint32_t out_bytes) {
    g_port = FakePort{};
    g_runs = 0;
    std::memset(g_in, 0, sizeof g_in);
    std::memset(g_out, 0, sizeof g_out);
    g_input.dtype_code = in_code;
    g_input.dtype_bits = in_code == 2 ? 32 : 8;
    g_input.nbytes = in_bytes;
    g_output.dtype_code = out_code;
    g_output.dtype_bits = out_code == 2 ? 32 : 8;
    g_output.nbytes = out_bytes;
    g_next_output.assign(out_bytes, 0);
    config_ = {b, 1.0f / 256, -128, 0.5f, 0, 3};
    const std::size_t sample =
        b == UTVM_MLPERF_AD01 && in_code != 2 ? in_bytes * 4u : static_cast<std::size_t>(in_bytes);
    sample_.assign(sample, 0xEE);
    utvm_mlperf_init(&dut_, &config_, &g_model, sample_.data(), sample_.size());
  }

  // Feeds `text` and returns the reply's lines (CR LF split); the reply must end in CR LF.
  std::vector<std::string> send(const std::string& text) {
    g_port.out.clear();
    for (char c : text)
      utvm_mlperf_feed(&dut_, static_cast<std::uint8_t>(c));
    return lines(g_port.out);
  }

  static std::vector<std::string> lines(const std::string& out) {
    std::vector<std::string> result;
    std::size_t start = 0;
    for (std::size_t at; (at = out.find("\r\n", start)) != std::string::npos; start = at + 2)
      result.push_back(out.substr(start, at - start));
    EXPECT_EQ(start, out.size()) << "reply does not end in CR LF: " << out;
    return result;
  }

  // The runner's db download of `bytes`: db load N, then 31 bytes of lowercase hex per command.
  std::vector<std::vector<std::string>> download(const std::vector<std::uint8_t>& bytes) {
    std::vector<std::vector<std::string>> replies;
    replies.push_back(send("db load " + std::to_string(bytes.size()) + "%"));
    static const char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes.size(); i += 31) {
      std::string cmd = "db ";
      for (std::size_t j = i; j < i + 31 && j < bytes.size(); ++j) {
        cmd += kHex[bytes[j] >> 4];
        cmd += kHex[bytes[j] & 0xF];
      }
      replies.push_back(send(cmd + "%"));
    }
    return replies;
  }

  // The floats of the reply's m-results line, parsed as the runner does.
  static std::vector<double> results_of(const std::vector<std::string>& reply) {
    static const std::regex kResults(R"(^m-results-\[([^\]]+)\]$)");
    std::vector<double> values;
    int found = 0;
    for (const auto& line : reply) {
      std::smatch m;
      if (!std::regex_match(line, m, kResults)) continue;
      ++found;
      std::string body = m[1];
      std::size_t start = 0;
      while (start <= body.size()) {
        std::size_t comma = body.find(',', start);
        if (comma == std::string::npos) comma = body.size();
        std::string field = body.substr(start, comma - start);
        if (!field.empty()) values.push_back(std::stod(field));
        start = comma + 1;
      }
    }
    EXPECT_EQ(found, 1) << "one m-results line per reply";
    return values;
  }

  utvm_mlperf_config_t config_{};
  utvm_mlperf_dut_t dut_{};
  std::vector<std::uint8_t> sample_;
};

// Every reply: m-ready as its last line and nowhere else, printable ASCII only.
void expect_well_formed(const std::vector<std::string>& reply) {
  ASSERT_FALSE(reply.empty());
  EXPECT_EQ(reply.back(), "m-ready");
  for (std::size_t i = 0; i + 1 < reply.size(); ++i) {
    EXPECT_EQ(reply[i].find("m-ready"), std::string::npos) << "line " << i << ": " << reply[i];
    EXPECT_FALSE(reply[i].empty());
  }
  for (const auto& line : reply)
    for (unsigned char c : line)
      EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << "byte " << int(c) << " in: " << line;
}

TEST_F(MlperfDut, NameAndProfileAsTheRunnerParsesThem) {
  auto name = send("name%");
  expect_well_formed(name);
  ASSERT_EQ(name.size(), 2u);
  EXPECT_TRUE(std::regex_match(name[0], std::regex(R"(^m-(name)-dut-\[([^\]]+)]$)"))) << name[0];
  auto profile = send("profile%");
  expect_well_formed(profile);
  ASSERT_EQ(profile.size(), 3u);
  EXPECT_EQ(profile[0], "m-profile-[ULPMark for tinyML Firmware V0.0.1]");
  EXPECT_EQ(profile[1], "m-model-[kws01]");
}

TEST_F(MlperfDut, BannerEndsInReady) {
  g_port.out.clear();
  utvm_mlperf_banner(&dut_);
  auto banner = lines(g_port.out);
  expect_well_formed(banner);
  ASSERT_EQ(banner.size(), 4u);
  EXPECT_EQ(banner[0], "m-timestamp-mode-performance");
  EXPECT_TRUE(std::regex_match(banner[1], std::regex("^m-lap-us-[0-9]+$")));
  EXPECT_EQ(banner[2], "m-init-done");
}

TEST_F(MlperfDut, RunnerShapedDownloadOfTheLongestCommands) {
  std::vector<std::uint8_t> bytes(490);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  auto replies = download(bytes);
  ASSERT_EQ(replies.size(), 17u);  // 1 + 15 x 62 digits + 1 x 50
  EXPECT_EQ(replies[0][0], "m-[Expecting 490 bytes]");
  int done = 0;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    expect_well_formed(replies[i]);
    for (const auto& l : replies[i])
      done += l == "m-load-done";
    if (i > 0 && i < 16) {
      EXPECT_EQ(replies[i].size(), 1u);
    }
  }
  EXPECT_EQ(done, 1);
  EXPECT_EQ(replies.back()[0], "m-load-done");
  EXPECT_EQ(std::vector<std::uint8_t>(sample_.begin(), sample_.end()), bytes);
  // Uppercase digits are accepted as well; digits past N are ignored.
  send("db load 2%");
  auto r = send("db ABCDEF%");
  expect_well_formed(r);
  EXPECT_EQ(r[0], "m-load-done");
  EXPECT_EQ(sample_[0], 0xAB);
  EXPECT_EQ(sample_[1], 0xCD);
  EXPECT_EQ(sample_[2], bytes[2]);
}

TEST_F(MlperfDut, CommandLongerThanTheBufferIsCutNotOverrun) {
  std::string long_cmd = "db " + std::string(200, 'a') + "%";
  send("db load 490%");
  auto r = send(long_cmd);
  expect_well_formed(r);
  // 80 characters kept (the reference's EE_CMD_SIZE): "db " + 77 digits, an odd count.
  EXPECT_EQ(r[0], "e-[Insufficent number of hex digits]");
  auto name = send("name%");
  expect_well_formed(name);
  EXPECT_EQ(name.size(), 2u);
}

TEST_F(MlperfDut, SampleLargerThanTheBufferIsAnErrorLine) {
  auto r = send("db load 491%");
  expect_well_formed(r);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], "e-[Supplied buffer size 491 exceeds maximum of 490]");
  // The chunks that follow are refused one by one, each with its m-ready; nothing is written.
  auto chunk = send("db " + std::string(62, '1') + "%");
  expect_well_formed(chunk);
  EXPECT_EQ(chunk[0].rfind("e-[", 0), 0u);
  EXPECT_EQ(sample_[0], 0xEE);
}

TEST_F(MlperfDut, ErrorsOfTheReferenceFirmware) {
  auto check = [&](const std::string& cmd, const std::string& want) {
    auto r = send(cmd);
    expect_well_formed(r);
    ASSERT_EQ(r.size(), 2u) << cmd;
    EXPECT_EQ(r[0], want) << cmd;
  };
  check("db load%", "e-[Command 'db load' requires the # of bytes]");
  check("db load 0%", "e-[Command 'db load' must be >0 bytes]");
  check("db load -5%", "e-[Command 'db load' must be >0 bytes]");
  send("db load 4%");
  check("db 123%", "e-[Insufficent number of hex digits]");
  check("db 12zz%", "e-[Invalid hex digit 'zz']");
  check("infer 0 1%", "e-[Inference iterations must be >0]");
  check("infer 1 -1%", "e-[Inference warmup must be >=0]");
  check("version%", "e-[Unknown command: version]");
  check("results%", "e-[No results yet: run infer first]");
  EXPECT_EQ(send("%"), std::vector<std::string>{"m-ready"});
}

TEST_F(MlperfDut, ReadyNeverInsideOtherLinesAndAsciiOnly) {
  const std::vector<std::string> hostile = {
      "m-ready%",          "xm-readyx%", "m-ready m-ready%", "db load m-ready%",
      "\x80\xff\x01\x7f%", "db load 4%", "db m-%",           "db \xc3\xa9%",
      "infer m-ready%",    "help%",      "db print%"};
  for (const auto& cmd : hostile) {
    SCOPED_TRACE(cmd);
    expect_well_formed(send(cmd));
  }
  EXPECT_EQ(send("m-ready%")[0], "e-[Unknown command: m_ready]");
}

TEST_F(MlperfDut, CarriageReturnsAndLineFeedsAreNotPartOfCommands) {
  auto r = send("\r\nname\r\n%");
  expect_well_formed(r);
  EXPECT_EQ(r[0], "m-name-dut-[utvm]");
  // The runner writes the text and the '%' separately; the DUT only cares about the bytes.
  send("prof");
  EXPECT_TRUE(g_port.out.empty());
  EXPECT_EQ(send("ile%").size(), 3u);
}

TEST_F(MlperfDut, InferSequenceTimingAndDequantisedResults) {
  std::vector<std::uint8_t> bytes(490, 5);
  download(bytes);
  // int8 scores: -128 is 0.0, 127 is 255/256, 0 is 0.5.
  g_next_output = {0x80, 0x7f, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81};
  auto r = send("infer 70 10%");
  expect_well_formed(r);
  EXPECT_EQ(g_runs, 80);
  const std::vector<std::string> head = {"m-warmup-start-10", "m-warmup-done", "m-infer-start-70"};
  ASSERT_GE(r.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(r.begin(), r.begin() + 3), head);
  std::smatch t0, t1;
  const std::regex lap("^m-lap-us-([0-9]+)$");
  ASSERT_TRUE(std::regex_match(r[3], t0, lap)) << r[3];
  ASSERT_TRUE(std::regex_match(r[4], t1, lap)) << r[4];
  EXPECT_GT(std::stoull(t1[1]), std::stoull(t0[1]));
  EXPECT_EQ(r[5], "m-infer-done");
  EXPECT_EQ(r[6],
            "m-results-[0.000,0.996,0.500,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,"
            "0.004]");
  EXPECT_EQ(std::vector<std::uint8_t>(g_in, g_in + 490), bytes);  // kws01: used as is
  auto again = send("results%");
  expect_well_formed(again);
  EXPECT_EQ(again[0], r[6]);
}

TEST_F(MlperfDut, AllZeroScoresStillSumToMoreThanZero) {
  download(std::vector<std::uint8_t>(490, 1));
  g_next_output.assign(12, 0x80);  // every score at the int8 minimum: 0.0
  auto r = send("infer 1 0%");
  expect_well_formed(r);
  auto values = results_of(r);
  ASSERT_EQ(values.size(), 12u);
  double sum = 0;
  for (double v : values) {
    EXPECT_GE(v, 0.0);
    sum += v;
  }
  EXPECT_GT(sum, 0.0);
  // The argmax the runner takes (lowest index on a tie) is the model's: index 0.
  EXPECT_EQ(std::max_element(values.begin(), values.end()) - values.begin(), 0);
}

TEST_F(MlperfDut, IncompleteSampleStillAnswersWithResults) {
  send("db load 10%");
  send("db 0102%");
  auto r = send("infer 1 0%");
  expect_well_formed(r);
  EXPECT_EQ(r[0], "e-[Sample incomplete: 2 of 490 bytes loaded]");
  EXPECT_EQ(results_of(r).size(), 12u);
}

TEST_F(MlperfDut, ImageSamplesAreShiftedToInt8) {
  configure(UTVM_MLPERF_IC01, 0, 3072, 0, 10);
  std::vector<std::uint8_t> bytes(3072);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i);
  auto replies = download(bytes);
  EXPECT_EQ(replies.size(), 1u + (3072 + 30) / 31);
  EXPECT_EQ(send("profile%")[1], "m-model-[ic01]");
  g_next_output.assign(10, 0x00);
  auto r = send("infer 1 0%");
  expect_well_formed(r);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    ASSERT_EQ(static_cast<std::int8_t>(g_in[i]), static_cast<int>(bytes[i]) - 128) << i;
  // A uint8 input takes the bytes as they are.
  configure(UTVM_MLPERF_VWW01, 1, 3072, 1, 2);
  download(bytes);
  g_next_output.assign(2, 0x10);
  send("infer 1 0%");
  EXPECT_EQ(std::vector<std::uint8_t>(g_in, g_in + 3072), bytes);
}

TEST_F(MlperfDut, AnomalyScoreIsTheReconstructionError) {
  configure(UTVM_MLPERF_AD01, 2, 2560, 2, 2560);
  std::vector<float> window(640);
  for (std::size_t i = 0; i < window.size(); ++i)
    window[i] = static_cast<float>(i % 7) - 3.0f;
  std::vector<std::uint8_t> bytes(2560);
  std::memcpy(bytes.data(), window.data(), bytes.size());
  download(bytes);
  EXPECT_EQ(send("profile%")[1], "m-model-[ad01]");
  // A perfect reconstruction: 0; all zeros: the mean of the squares.
  g_next_output = bytes;
  auto exact = results_of(send("infer 1 0%"));
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0], 0.0);
  g_next_output.assign(2560, 0);
  double want = 0;
  for (float x : window)
    want += static_cast<double>(x) * x;
  want /= window.size();
  auto zeros = results_of(send("infer 1 0%"));
  ASSERT_EQ(zeros.size(), 1u);
  EXPECT_NEAR(zeros[0], want, 1e-5);
  // An int8 input: quantised with the configured scale (0.5) and zero point.
  configure(UTVM_MLPERF_AD01, 0, 640, 0, 640);
  download(bytes);
  g_next_output.assign(640, 0);
  send("infer 1 0%");
  for (std::size_t i = 0; i < 640; ++i)
    ASSERT_EQ(static_cast<std::int8_t>(g_in[i]), static_cast<int>(std::lround(window[i] / 0.5)));
}

TEST_F(MlperfDut, DbPrintShowsEightBytesPerLine) {
  send("db load 10%");
  send("db 000102030405060708ff%");
  auto r = send("db print%");
  expect_well_formed(r);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "m-buffer-00-01-02-03-04-05-06-07");
  EXPECT_EQ(r[1], "m-buffer-08-ff");
}

TEST_F(MlperfDut, ServeReadsUntilTheLinkDies) {
  g_port.in = "name%timestamp%";
  EXPECT_EQ(utvm_mlperf_serve(&dut_), -1);
  auto all = lines(g_port.out);
  ASSERT_EQ(all.size(), 4u + 2u + 2u);
  EXPECT_EQ(all[4], "m-name-dut-[utvm]");
  EXPECT_TRUE(std::regex_match(all[6], std::regex("^m-lap-us-[0-9]+$")));
}

TEST(MlperfFormatFloat, FixedScientificAndSpecial) {
  char buf[32];
  auto f = [&](float v, unsigned d) {
    return std::string(buf, utvm_mlperf_format_float(v, d, buf));
  };
  EXPECT_EQ(f(0.0f, 3), "0.000");
  EXPECT_EQ(f(0.99609375f, 3), "0.996");
  EXPECT_EQ(f(1.0f, 3), "1.000");
  EXPECT_EQ(f(12.5f, 6), "12.500000");
  EXPECT_EQ(f(-2.25f, 3), "-2.250");
  EXPECT_EQ(f(0.0004f, 3), "4.000000e-04");  // non-zero never prints as 0
  EXPECT_NEAR(std::stod(f(3.0e20f, 3)), 3.0e20, 3.0e14);
  EXPECT_EQ(f(3.0e20f, 3).substr(8), "e+20");
  EXPECT_EQ(f(NAN, 3), "nan");
  EXPECT_EQ(f(INFINITY, 3), "inf");
  EXPECT_NEAR(std::stod(f(1.2345e-7f, 6)), 1.2345e-7, 2e-13);
  EXPECT_EQ(f(0.0005f, 3), "0.001");
  EXPECT_EQ(f(1.9999999f, 3), "2.000");
  EXPECT_EQ(f(123456789.0f, 3), "123456792.000");  // the float nearest 123456789
}

}  // namespace
