// The device runtime, link and Cortex-M port on mps2-an385 under QEMU, driven by the host's
// LinkClient: handshake, inputs, runs, outputs, device-reported errors, reset, and a firmware
// that never answers. Skips when qemu-system-arm or arm-none-eabi-gcc is missing.
#include <cstring>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_firmware/build_firmware.h"
#include "utvm/common/error.h"
#include "utvm/link/link_client.h"
#include "utvm/transport/qemu.h"

namespace utvm::baremetal {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using transport::QemuOptions;
using transport::QemuProcess;

constexpr int kN = 16;

#define SKIP_WITHOUT_TOOLS()                                                 \
  do {                                                                       \
    std::string missing = testing::missing_tools();                          \
    if (!missing.empty()) GTEST_SKIP() << "needs " << missing << " on PATH"; \
  } while (0)

fs::path add_one_firmware(const std::string& board) {
  // The device tests' hand-written model, as a project's model/ directory.
  fs::path model = fs::path(UTVM_BINARY_DIR) / "test-firmware" / "add-one-model";
  fs::create_directories(model);
  fs::copy_file(fs::path(UTVM_SOURCE_DIR) / "device/tests/add_one_model.c",
                model / "add_one_model.c", fs::copy_options::update_existing);
  testing::FirmwareRequest r;
  r.board = board;
  r.model_dir = model;
  r.extra_cflags = "-DADD_ONE_N=" + std::to_string(kN);
  return testing::build_firmware(r, board + "-add-one");
}

std::string machine_of(const std::string& board) {
  std::string m = board;
  for (char& c : m)
    if (c == '_') c = '-';
  return m;
}

std::vector<uint8_t> floats(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * sizeof(float));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<float> to_floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

class BaremetalLink : public ::testing::TestWithParam<std::string> {};

TEST_P(BaremetalLink, RunsTheModelAndReturnsItsOutputs) {
  SKIP_WITHOUT_TOOLS();
  QemuOptions o;
  o.machine = machine_of(GetParam());
  o.kernel = add_one_firmware(GetParam());
  QemuProcess q(o);
  link::LinkClient client(q);

  link::DeviceInfo info = client.hello();
  EXPECT_EQ(info.model_name, "add_one");
  ASSERT_EQ(info.inputs.size(), 1u);
  ASSERT_EQ(info.outputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].dtype, "float32");
  EXPECT_EQ(info.inputs[0].shape, (std::vector<int64_t>{1, kN}));
  EXPECT_EQ(info.outputs[0].nbytes, kN * sizeof(float));

  std::vector<float> x(kN);
  for (int i = 0; i < kN; ++i)
    x[i] = 0.25f * static_cast<float>(i) - 1.5f;
  client.set_input(0, floats(x));
  link::RunStats stats = client.run(3);
  ASSERT_EQ(stats.run_ns.size(), 3u);
  std::vector<float> y = to_floats(client.get_output(0));
  ASSERT_EQ(y.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i)
    EXPECT_EQ(y[i], x[i] + 1.0f) << "element " << i;
  // A clean emulated line damages nothing. (Retransmits are not counted: a host too loaded to
  // schedule QEMU in time makes the client time out and resend, which is the link doing its job.)
  EXPECT_EQ(client.counters().bad_frames, 0u);
  EXPECT_EQ(client.counters().naks, 0u);
}

INSTANTIATE_TEST_SUITE_P(Boards, BaremetalLink,
                         ::testing::Values("mps2_an385", "mps2_an386", "mps2_an500", "mps2_an521",
                                           "mps3_an547"));

TEST(BaremetalLink, DeviceErrorsComeBackAsDeviceErrors) {
  SKIP_WITHOUT_TOOLS();
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = add_one_firmware("mps2_an385");
  QemuProcess q(o);
  link::LinkClient client(q);
  std::vector<float> x(kN, 1000.0f);  // the test model fails its run on 1000
  client.set_input(0, floats(x));
  EXPECT_THROW(client.run(1), link::DeviceError);
  x[0] = 2000.0f;  // ... and asks for too much workspace on 2000
  client.set_input(0, floats(x));
  EXPECT_THROW(client.run(1), link::DeviceError);
  // The device still serves after errors.
  x[0] = 1.0f;
  client.set_input(0, floats(x));
  client.run(1);
  EXPECT_EQ(to_floats(client.get_output(0))[0], 2.0f);
}

TEST(BaremetalLink, ResetRebootsTheFirmwareAndItServesAgain) {
  SKIP_WITHOUT_TOOLS();
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = add_one_firmware("mps2_an385");
  QemuProcess q(o);
  link::LinkClient client(q);
  std::vector<float> x(kN, 5.0f);
  client.set_input(0, floats(x));
  client.run(1);
  EXPECT_EQ(to_floats(client.get_output(0))[0], 6.0f);
  client.reset();
  // A rebooted firmware starts with zeroed buffers (.bss).
  link::LinkClient again(q);
  again.hello();
  EXPECT_EQ(to_floats(again.get_output(0))[0], 0.0f);
  EXPECT_FALSE(q.exit_status().has_value()) << "QEMU exited on a guest reset";
}

TEST(BaremetalLink, HungFirmwareEndsInATimeoutNotAHang) {
  SKIP_WITHOUT_TOOLS();
  testing::FirmwareRequest r;
  r.app = "hang.c";
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = testing::build_firmware(r, "mps2_an385-hang");
  QemuProcess q(o);
  link::LinkConfig config;
  config.reply_timeout = 200ms;
  config.max_attempts = 2;
  link::LinkClient client(q, config);
  auto start = std::chrono::steady_clock::now();
  try {
    client.hello();
    FAIL() << "a silent firmware answered";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  pid_t group = q.process_group();
  q.close();
  EXPECT_TRUE(testing::wait_process_group_gone(group, 3000ms))
      << "QEMU still running after close()";
}

}  // namespace
}  // namespace utvm::baremetal
