// End to end: LinkClient drives the POSIX test device program (device/tests/add_one_model.c,
// y = x + 1) over pipes, including damaged streams, failing models and a device that dies.
#include "utvm/link/link_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <random>

#include "utvm/common/subprocess.h"
#include "utvm/link_proto.h"
#include "utvm/transport/fd_stream.h"

namespace {

using namespace std::chrono_literals;
using utvm::Error;
using utvm::ExitCode;
using utvm::link::DeviceError;
using utvm::link::LinkClient;
using utvm::link::LinkConfig;
using utvm::transport::ByteStream;
using utvm::transport::FdStream;

const char* kDevice = UTVM_BINARY_DIR "/bin/utvm-test-device";

// A device program on the other end of two pipes.
struct Device {
  utvm::Process proc;
  std::unique_ptr<FdStream> stream;

  explicit Device(std::vector<std::string> argv) {
    int to_dev[2], from_dev[2];
    EXPECT_EQ(pipe2(to_dev, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(from_dev, O_CLOEXEC), 0);
    utvm::SpawnOptions opt;
    opt.argv = std::move(argv);
    opt.stdin_fd = to_dev[0];
    opt.stdout_fd = from_dev[1];
    proc = utvm::Process::spawn(opt);
    close(to_dev[0]);
    close(from_dev[1]);
    stream = std::make_unique<FdStream>(from_dev[0], to_dev[1], "the device", true);
  }
  static Device test_device(int rx_buffer = 64) {
    return Device({kDevice, "--rx-buffer", std::to_string(rx_buffer)});
  }
};

// Flips bits in passing bytes (both directions) with a fixed seed, and can prepend noise to
// what the device says.
class FlakyStream : public ByteStream {
 public:
  FlakyStream(ByteStream& inner, double p, unsigned seed) : inner_(inner), p_(p), rng_(seed) {}
  std::vector<std::uint8_t> noise_first;
  std::vector<std::uint8_t> noise_to_device;  // goes out before the next write
  std::uint64_t flipped = 0;

  void write(std::span<const std::uint8_t> data,
             std::chrono::steady_clock::time_point deadline) override {
    std::vector<std::uint8_t> copy = std::move(noise_to_device);
    noise_to_device.clear();
    copy.insert(copy.end(), data.begin(), data.end());
    damage(copy);
    inner_.write(copy, deadline);
  }
  std::size_t read(std::span<std::uint8_t> buf,
                   std::chrono::steady_clock::time_point deadline) override {
    if (!noise_first.empty()) {
      std::size_t n = std::min(buf.size(), noise_first.size());
      std::memcpy(buf.data(), noise_first.data(), n);
      noise_first.erase(noise_first.begin(), noise_first.begin() + n);
      return n;
    }
    std::size_t n = inner_.read(buf, deadline);
    damage(buf.first(n));
    return n;
  }

 private:
  void damage(std::span<std::uint8_t> bytes) {
    for (auto& b : bytes) {
      if (coin_(rng_) < p_) {
        b ^= static_cast<std::uint8_t>(1u << (rng_() % 8));
        ++flipped;
      }
    }
  }
  ByteStream& inner_;
  double p_;
  std::mt19937 rng_;
  std::uniform_real_distribution<double> coin_{0.0, 1.0};
};

std::vector<std::uint8_t> as_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}
std::vector<float> as_floats(const std::vector<std::uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}
std::vector<float> ramp(float start) {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i)
    v[i] = start + i * 0.5f;
  return v;
}

// A header that passes the 8-bit check and announces `len` payload bytes that never come: what
// line noise with a damaged byte can look like.
std::vector<std::uint8_t> forged_header(std::uint8_t seq, std::uint8_t type, std::uint16_t len) {
  std::vector<std::uint8_t> h = {
      0xA5, seq, type, static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8), 0};
  h[5] = utvm::link::crc16(std::span(h).subspan(1, 4)) & 0xFF;
  return h;
}

LinkConfig fast_config() {
  LinkConfig c;
  c.reply_timeout = 300ms;
  c.run_timeout = 2000ms;
  c.max_attempts = 8;
  return c;
}

TEST(LinkClient, FullCycleThroughA64ByteReceiveBuffer) {
  Device dev = Device::test_device(64);
  LinkClient link(*dev.stream, fast_config());
  auto info = link.hello();
  EXPECT_EQ(info.model_name, "add_one");
  EXPECT_EQ(info.build_id, "test-build-1");
  EXPECT_EQ(info.protocol_version, 2u);
  EXPECT_EQ(info.max_payload, 62u);
  ASSERT_EQ(info.inputs.size(), 1u);
  ASSERT_EQ(info.outputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].name, "x");
  EXPECT_EQ(info.inputs[0].dtype, "float32");
  EXPECT_EQ(info.inputs[0].shape, (std::vector<std::int64_t>{1, 16}));
  EXPECT_EQ(info.inputs[0].nbytes, 64u);
  EXPECT_EQ(info.outputs[0].name, "y");

  auto x = ramp(-3.25f);
  link.set_input(0, as_bytes(x));  // 64 bytes: two chunks
  auto stats = link.run(5);
  ASSERT_EQ(stats.run_ns.size(), 5u);
  EXPECT_GT(stats.max_ns(), 0u);
  EXPECT_LE(stats.min_ns(), stats.mean_ns());
  EXPECT_EQ(stats.workspace_high_water, 64u);
  EXPECT_GE(stats.workspace_bytes, 64u);
  auto y = as_floats(link.get_output(0));
  ASSERT_EQ(y.size(), 16u);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(y[i], x[i] + 1.0f) << i;

  link.reset();
  auto cleared = as_floats(link.get_output(0));
  for (float v : cleared)
    EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(link.counters().retransmits, 0u);
}

// The test device holds two modules (add_one, twice): HELLO lists both, select_module picks one
// by name, and a name the firmware lacks is a usage error listing the modules.
TEST(LinkClient, SelectsAModuleOfAMultiModuleFirmware) {
  Device dev = Device::test_device(64);
  LinkClient link(*dev.stream, fast_config());
  auto first = link.hello();
  ASSERT_EQ(first.modules.size(), 2u);
  EXPECT_EQ(first.modules[0].name, "add_one");
  EXPECT_EQ(first.modules[1].name, "twice");
  EXPECT_EQ(first.module_index, 0u);

  link.select_module("twice");
  auto info = link.hello();
  EXPECT_EQ(info.model_name, "twice");
  EXPECT_EQ(info.module_index, 1u);
  ASSERT_EQ(info.inputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].dtype, "int32");
  EXPECT_EQ(info.inputs[0].shape, (std::vector<std::int64_t>{3}));
  const std::int32_t a[3] = {7, -4, 1 << 20};
  link.set_input(0, {reinterpret_cast<const std::uint8_t*>(a), sizeof(a)});
  link.run(1);
  auto b = link.get_output(0);
  std::int32_t got[3];
  ASSERT_EQ(b.size(), sizeof(got));
  std::memcpy(got, b.data(), sizeof(got));
  EXPECT_EQ(got[0], 14);
  EXPECT_EQ(got[1], -8);
  EXPECT_EQ(got[2], 1 << 21);
  link.check_session();  // re-sends the selection with the token

  // After a RESET the device is back on module 0; the client selects its module again.
  link.reset();
  link.set_input(0, {reinterpret_cast<const std::uint8_t*>(a), sizeof(a)});
  link.run(1);
  b = link.get_output(0);
  ASSERT_EQ(b.size(), sizeof(got));
  std::memcpy(got, b.data(), sizeof(got));
  EXPECT_EQ(got[1], -8);
  EXPECT_EQ(link.info().model_name, "twice");

  LinkClient other(*dev.stream, fast_config());
  other.select_module("nope");
  try {
    other.hello();
    ADD_FAILURE() << "an unknown module was accepted";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("no module 'nope' (its modules: add_one, twice)"),
              std::string::npos)
        << e.what();
  }
}

// A device that reboots mid-session (here: another client's RESET, which clears the session
// like a power cycle) loses its inputs; check_session() notices instead of trusting the outputs.
TEST(LinkClient, DeviceResetDuringTheSessionIsDetected) {
  Device dev = Device::test_device(64);
  LinkClient link(*dev.stream, fast_config());
  link.check_session();  // before hello(): nothing to check
  link.hello();
  link.set_input(0, as_bytes(ramp(2)));
  link.run(1);
  link.check_session();  // still the same session
  LinkClient intruder(*dev.stream, fast_config());
  intruder.reset();
  auto y = as_floats(link.get_output(0));  // the device answers, but with a cleared tensor
  EXPECT_EQ(y[0], 0.0f);
  try {
    link.check_session();
    ADD_FAILURE() << "a reset device was not noticed";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("the device reset during the session"), std::string::npos)
        << e.what();
  }
  // A new session on the same device starts clean.
  LinkClient fresh(*dev.stream, fast_config());
  fresh.hello();
  fresh.check_session();
}

TEST(LinkClient, ManyRunsSpanSeveralRequests) {
  Device dev = Device::test_device(8192);
  LinkClient link(*dev.stream, fast_config());
  link.set_input(0, as_bytes(ramp(1)));
  auto stats = link.run(UTVM_LINK_MAX_RUNS_PER_REQUEST + 10);
  EXPECT_EQ(stats.run_ns.size(), UTVM_LINK_MAX_RUNS_PER_REQUEST + 10);
}

TEST(LinkClient, WrongInputSizeIsABadInput) {
  Device dev = Device::test_device();
  LinkClient link(*dev.stream, fast_config());
  std::vector<std::uint8_t> short_input(10);
  try {
    link.set_input(0, short_input);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("'x' is 64 bytes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(link.set_input(3, short_input), Error);
  EXPECT_THROW(link.get_output(1), Error);
}

TEST(LinkClient, ModelFailureIsReportedAndTheLinkStaysUsable) {
  Device dev = Device::test_device();
  LinkClient link(*dev.stream, fast_config());
  auto x = ramp(0);
  x[0] = 1000;
  link.set_input(0, as_bytes(x));
  try {
    link.run(3);
    FAIL();
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.device_code(), UTVM_LINK_ERR_RUN_FAILED);
    EXPECT_EQ(e.detail(), -1);
    EXPECT_EQ(e.code(), ExitCode::kFailure);
    EXPECT_NE(std::string(e.what()).find("model run failed"), std::string::npos) << e.what();
  }
  x[0] = 1;
  link.set_input(0, as_bytes(x));
  link.run(1);
  EXPECT_EQ(as_floats(link.get_output(0))[0], 2.0f);
}

TEST(LinkClient, WorkspaceExhaustionSaysSo) {
  Device dev = Device::test_device();
  LinkClient link(*dev.stream, fast_config());
  auto x = ramp(0);
  x[0] = 2000;
  link.set_input(0, as_bytes(x));
  try {
    link.run(1);
    FAIL();
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.device_code(), UTVM_LINK_ERR_WORKSPACE_EXHAUSTED);
    EXPECT_NE(std::string(e.what()).find("asked for 160 bytes of workspace"), std::string::npos)
        << e.what();
  }
}

TEST(LinkClient, DeviceThatExitsMidRunIsAClosedLink) {
  Device dev = Device::test_device();
  LinkClient link(*dev.stream, fast_config());
  auto x = ramp(0);
  x[0] = 3000;
  link.set_input(0, as_bytes(x));
  auto start = std::chrono::steady_clock::now();
  try {
    link.run(1);
    FAIL();
  } catch (const DeviceError&) {
    FAIL() << "a dead device is not a device error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("RUN"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("closed the link"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms) << "EOF must not wait for timeouts";
  EXPECT_EQ(utvm::describe_exit_status(dev.proc.wait()), "exited with 3");
}

TEST(LinkClient, SilentDeviceTimesOutAfterBoundedRetries) {
  Device dev({"/bin/sh", "-c", "exec sleep 30"});  // reads nothing, says nothing
  LinkConfig c = fast_config();
  c.reply_timeout = 50ms;
  c.max_attempts = 3;
  LinkClient link(*dev.stream, c);
  try {
    link.hello();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_STREQ(e.what(), "link: HELLO failed after 3 attempts: no answer within 50 ms");
  }
  EXPECT_EQ(link.counters().timeouts, 3u);
}

TEST(LinkClient, BootNoiseBeforeTheFirstAnswerIsIgnored) {
  Device dev = Device::test_device();
  FlakyStream flaky(*dev.stream, 0.0, 1);
  const char* banner = "boot: utvm device \xA5\xA5 ready\r\n";
  flaky.noise_first.assign(banner, banner + std::strlen(banner));
  LinkClient link(flaky, fast_config());
  EXPECT_EQ(link.hello().model_name, "add_one");
}

// A damaged byte can turn noise into a header that passes the 8-bit check and announces a
// 60000-byte frame; the client must not wait for it through all its retries.
TEST(LinkClient, FalseHeaderWithAHugeLengthCostsOneRetryNotTheSession) {
  Device dev = Device::test_device();
  FlakyStream flaky(*dev.stream, 0.0, 1);
  flaky.noise_first = forged_header(0x77, 0x81, 60000);
  LinkConfig c = fast_config();
  c.reply_timeout = 100ms;
  c.max_attempts = 3;
  LinkClient link(flaky, c);
  EXPECT_EQ(link.hello().model_name, "add_one");
  EXPECT_GE(link.counters().timeouts, 1u);
}

// The same forgery on the way to the device: it waits for the announced bytes, and every resend
// of a small request would vanish into them. After a timeout the client first sends a run of
// zeros as long as the device's receive buffer (256 bytes before HELLO has told it).
TEST(LinkClient, DeviceStuckInAForgedFrameIsFlushedAfterATimeout) {
  LinkConfig c = fast_config();
  c.reply_timeout = 100ms;
  c.max_attempts = 3;  // three 13-byte HELLOs (or 18-byte GET_OUTPUTs) cannot fill the frame
  {
    Device dev = Device::test_device(64);
    FlakyStream flaky(*dev.stream, 0.0, 1);
    flaky.noise_to_device = forged_header(0x55, 0x02, 60);
    LinkClient link(flaky, c);
    EXPECT_EQ(link.hello().model_name, "add_one");
    EXPECT_EQ(link.counters().flushes, 1u);
  }
  {
    Device dev = Device::test_device(4096);
    FlakyStream flaky(*dev.stream, 0.0, 1);
    LinkClient link(flaky, c);
    link.hello();
    link.set_input(0, as_bytes(ramp(7)));
    link.run(1);
    flaky.noise_to_device = forged_header(0x55, 0x02, 4000);
    auto y = as_floats(link.get_output(0));
    EXPECT_EQ(y[3], ramp(7)[3] + 1.0f);
    EXPECT_EQ(link.counters().flushes, 1u);
  }
}

// Random bit flips in both directions: every request must still succeed, through retries.
TEST(LinkClient, CorruptedFramesAreRetriedUntilTheyGetThrough) {
  Device dev = Device::test_device(64);
  FlakyStream flaky(*dev.stream, 0.003, 20261121);
  LinkConfig c = fast_config();
  c.reply_timeout = 150ms;
  c.max_attempts = 10;
  LinkClient link(flaky, c);
  link.hello();
  for (int round = 0; round < 30; ++round) {
    auto x = ramp(static_cast<float>(round));
    link.set_input(0, as_bytes(x));
    link.run(2);
    auto y = as_floats(link.get_output(0));
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(y[i], x[i] + 1.0f) << "round " << round;
  }
  EXPECT_GT(flaky.flipped, 0u);
  EXPECT_GT(link.counters().retransmits, 0u);
  EXPECT_GT(link.counters().naks + link.counters().bad_frames + link.counters().timeouts, 0u);
}

TEST(LinkClient, InferStepByStepAndPipelinedAgree) {
  for (bool pipeline : {false, true}) {
    Device dev = Device::test_device(64);
    LinkConfig c = fast_config();
    c.pipeline = pipeline;
    LinkClient link(*dev.stream, c);
    auto x = as_bytes(ramp(7));
    std::vector<std::uint8_t> y(64);
    std::span<const std::uint8_t> ins[] = {x};
    std::span<std::uint8_t> outs[] = {y};
    auto stats = link.infer(ins, outs, 2);
    EXPECT_EQ(stats.run_ns.size(), 2u);
    auto yf = as_floats(y);
    for (int i = 0; i < 16; ++i)
      EXPECT_EQ(yf[i], ramp(7)[i] + 1.0f) << pipeline;
    // The pipelined path sends everything in one go: 2 input chunks + RUN + GET_OUTPUT.
    EXPECT_EQ(link.counters().requests, 1u + 2u + 4u) << pipeline;  // + HELLO + 2 TENSOR_INFO
  }
}

TEST(LinkClient, PipelinedInferFallsBackWhenFramesAreDamaged) {
  Device dev = Device::test_device(64);
  FlakyStream flaky(*dev.stream, 0.004, 42);
  LinkConfig c = fast_config();
  c.pipeline = true;
  c.reply_timeout = 150ms;
  c.max_attempts = 10;
  LinkClient link(flaky, c);
  for (int round = 0; round < 30; ++round) {
    auto xf = ramp(static_cast<float>(-round));
    auto x = as_bytes(xf);
    std::vector<std::uint8_t> y(64);
    std::span<const std::uint8_t> ins[] = {x};
    std::span<std::uint8_t> outs[] = {y};
    link.infer(ins, outs);
    auto yf = as_floats(y);
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(yf[i], xf[i] + 1.0f) << "round " << round;
  }
  EXPECT_GT(flaky.flipped, 0u);
}

TEST(LinkClient, PipelinedInferReportsModelFailure) {
  Device dev = Device::test_device();
  LinkConfig c = fast_config();
  c.pipeline = true;
  LinkClient link(*dev.stream, c);
  auto xf = ramp(0);
  xf[0] = 1000;
  auto x = as_bytes(xf);
  std::vector<std::uint8_t> y(64);
  std::span<const std::uint8_t> ins[] = {x};
  std::span<std::uint8_t> outs[] = {y};
  EXPECT_THROW(link.infer(ins, outs), DeviceError);
  xf[0] = 5;  // the stale GET_OUTPUT answer of the failed inference must not confuse the next
  x = as_bytes(xf);
  std::span<const std::uint8_t> ins2[] = {x};
  link.infer(ins2, outs);
  EXPECT_EQ(as_floats(y)[0], 6.0f);
}

TEST(LinkClient, WindowedBulkTransfersRecoverFromDamage) {
  Device dev = Device::test_device(64);
  FlakyStream flaky(*dev.stream, 0.003, 777);
  LinkConfig c = fast_config();
  c.pipeline = true;
  c.window = 4;
  c.output_chunk = 8;  // 8 GET_OUTPUT requests per tensor: two windows
  c.reply_timeout = 150ms;
  c.max_attempts = 10;
  LinkClient link(flaky, c);
  for (int round = 0; round < 30; ++round) {
    auto x = ramp(static_cast<float>(round) * 3);
    link.set_input(0, as_bytes(x));
    link.run(1);
    auto y = as_floats(link.get_output(0));
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(y[i], x[i] + 1.0f) << "round " << round;
  }
  EXPECT_GT(flaky.flipped, 0u);
}

TEST(LinkClient, WindowedMegabyteRoundTrip) {
  Device dev({UTVM_BINARY_DIR "/bin/utvm-bench-device", "--rx-buffer", "65537"});
  LinkConfig c = fast_config();
  c.pipeline = true;
  c.output_chunk = 65535;
  LinkClient link(*dev.stream, c);
  const auto& info = link.hello();
  ASSERT_EQ(info.inputs[0].nbytes, 1u << 20);
  std::vector<float> x(info.inputs[0].nbytes / 4);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i % 1000) - 500.0f;
  link.set_input(0, as_bytes(x));
  link.run(1);
  auto y = as_floats(link.get_output(0));
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], x[i] + 1.0f) << i;
  EXPECT_EQ(link.counters().retransmits, 0u);
}

TEST(LinkClient, HopelessLinkFailsWithAClearMessage) {
  Device dev = Device::test_device(64);
  FlakyStream flaky(*dev.stream, 0.5, 7);
  LinkConfig c = fast_config();
  c.reply_timeout = 50ms;
  c.max_attempts = 3;
  LinkClient link(flaky, c);
  try {
    link.hello();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("HELLO failed after 3 attempts"), std::string::npos)
        << e.what();
  }
}

}  // namespace
