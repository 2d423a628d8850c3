// DeviceTransport over real pipes and a real child process as the "device": forwarding, the
// Project API's error kinds, TVM's session start refused, and a vanished client noticed while the
// server waits on the device (through the real server loop, project_api::serve_fds).
#include "common/device_transport.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "utvm/common/subprocess.h"
#include "utvm/project_api/errors.h"
#include "utvm/project_api/server.h"
#include "utvm/transport/fd_stream.h"

namespace utvm::platforms {
namespace {

namespace api = utvm::project_api;
using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    for (int fd : {r, w})
      if (fd >= 0) ::close(fd);
  }
};

// What the test end of a pipe holds now (waits up to `ms` for the first byte).
Bytes drain(int fd, int ms) {
  Bytes out;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, out.empty() ? ms : 20) <= 0) return out;
    std::uint8_t buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

// A device on two pipes: the test reads what the server writes and writes what it reads.
struct PipeDevice {
  Pipe to_device, from_device;
  std::unique_ptr<transport::ByteStream> stream() {
    auto s = std::make_unique<transport::FdStream>(from_device.r, to_device.w, "the test device",
                                                   /*owns_fds=*/true);
    from_device.r = to_device.w = -1;
    return s;
  }
};

// TVM's first two packets on a fresh session, in the write calls TVM makes (bytes framed by hand:
// see tvm_session_sniffer_test.cc for the encoder that checks them).
const std::vector<Bytes> kTvmSessionStart = {
    {0xFE}, {0xFF, 0xFD}, {0x03, 0, 0, 0}, {0x00, 0x00, 0x02}, {0x66, 0x77},
};

TEST(DeviceTransport, ReportsRealTimeoutsForEveryMedium) {
  for (auto m : {DeviceTransport::Medium::kPipe, DeviceTransport::Medium::kEmulator,
                 DeviceTransport::Medium::kSerial}) {
    auto t = DeviceTransport::timeouts_for(m);
    EXPECT_GT(t.session_start_retry_timeout_sec, 0.0);
    EXPECT_GT(t.session_start_timeout_sec, t.session_start_retry_timeout_sec);
    EXPECT_GT(t.session_established_timeout_sec, 0.0);
  }
}

TEST(DeviceTransport, ForwardsBytesAndKeepsTheApiErrorKinds) {
  DeviceTransport t("/p");
  EXPECT_THROW(t.read(1, 0.0), api::TransportClosedError);
  EXPECT_THROW(t.write(Bytes{1}, 0.0), api::TransportClosedError);
  PipeDevice dev;
  int to_test = dev.to_device.r, from_test = dev.from_device.w;
  auto timeouts = t.open(dev.stream(), DeviceTransport::Medium::kPipe);
  EXPECT_GT(timeouts.session_start_timeout_sec, 0.0);
  t.write(Bytes{0xA5, 0x01, 0xFF, 0xFD}, 1.0);  // utvm's link: through at once
  EXPECT_EQ(drain(to_test, 1000), (Bytes{0xA5, 0x01, 0xFF, 0xFD}));
  ASSERT_EQ(::write(from_test, "\x01\x02\x03", 3), 3);
  Bytes got;
  while (got.size() < 3) {
    auto part = t.read(3 - got.size(), 1.0);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, (Bytes{1, 2, 3}));
  const auto t0 = Clock::now();
  EXPECT_THROW(t.read(1, 0.3), api::IoTimeoutError);  // longer than one client-check slice
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(290));
  ::close(dev.from_device.w);  // the device goes away
  dev.from_device.w = -1;
  EXPECT_THROW(t.read(1, 1.0), api::TransportClosedError);
  EXPECT_FALSE(t.is_open());
}

TEST(DeviceTransport, RefusesTvmsSessionStartWithoutTouchingTheDevice) {
  DeviceTransport t("/work/proj");
  PipeDevice dev;
  int to_test = dev.to_device.r;
  t.open(dev.stream(), DeviceTransport::Medium::kEmulator);
  for (std::size_t i = 0; i + 1 < kTvmSessionStart.size(); ++i)
    t.write(kTvmSessionStart[i], 1.0);
  try {
    t.write(kTvmSessionStart.back(), 1.0);
    FAIL() << "TVM's session start was forwarded";
  } catch (const api::ServerError& e) {
    const std::string m = e.message();
    EXPECT_NE(m.find("utvm's link protocol"), std::string::npos) << m;
    EXPECT_NE(m.find("utvm run /work/proj"), std::string::npos) << m;
    EXPECT_NE(m.find("tvmc run --device micro"), std::string::npos) << m;
  }
  EXPECT_THROW(t.write(Bytes{0xA5}, 1.0), api::ServerError) << "refused until reopened";
  EXPECT_TRUE(drain(to_test, 100).empty()) << "TVM's bytes reached the device";
  // A new transport session starts over.
  PipeDevice dev2;
  int to_test2 = dev2.to_device.r;
  t.open(dev2.stream(), DeviceTransport::Medium::kEmulator);
  t.write(Bytes{0x00, 0x00}, 1.0);
  EXPECT_EQ(drain(to_test2, 1000), (Bytes{0x00, 0x00}));
}

TEST(DeviceTransport, WriteGoesOnAfterSlicesWhenTheDeviceIsSlow) {
  // More than a pipe holds, with the device reading only after several client-check slices:
  // every byte arrives once, in order.
  DeviceTransport t("/p");
  PipeDevice dev;
  int to_test = dev.to_device.r;
  t.open(dev.stream(), DeviceTransport::Medium::kPipe);
  Bytes big(300000);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<std::uint8_t>(i * 7 + 1);
  Bytes got;
  std::thread reader([&] {
    std::this_thread::sleep_for(3 * DeviceTransport::kClientCheckInterval);
    while (got.size() < big.size()) {
      Bytes part = drain(to_test, 2000);
      if (part.empty()) return;
      got.insert(got.end(), part.begin(), part.end());
    }
  });
  t.write(big, 10.0);
  reader.join();
  EXPECT_EQ(got, big);
}

// A handler whose device is a child process that never answers (sleep on pipes).
class SilentDeviceHandler : public api::Handler {
 public:
  SilentDeviceHandler() : device_("/p") {}
  api::ServerInfo server_info_query(const std::string&) override { return {}; }
  void generate_project(const std::filesystem::path&, const std::filesystem::path&,
                        const std::filesystem::path&, const nlohmann::json&) override {}
  void build(const nlohmann::json&) override {}
  void flash(const nlohmann::json&) override {}
  api::TransportTimeouts open_transport(const nlohmann::json&) override {
    int to_dev[2], from_dev[2];
    EXPECT_EQ(::pipe2(to_dev, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(from_dev, O_CLOEXEC), 0);
    SpawnOptions spec;
    spec.argv = {"sleep", "600"};
    spec.stdin_fd = to_dev[0];
    spec.stdout_fd = from_dev[1];
    Process p = Process::spawn(spec);
    ::close(to_dev[0]);
    ::close(from_dev[1]);
    auto timeouts =
        device_.open(std::make_unique<transport::FdStream>(from_dev[0], to_dev[1], "sleep", true),
                     DeviceTransport::Medium::kPipe, std::move(p));
    pid = *device_.process_id();
    return timeouts;
  }
  void close_transport() override { device_.close(); }
  std::vector<std::uint8_t> read_transport(std::size_t n, std::optional<double> t) override {
    return device_.read(n, t);
  }
  void write_transport(std::span<const std::uint8_t> d, std::optional<double> t) override {
    device_.write(d, t);
  }
  pid_t pid = -1;
  DeviceTransport device_;
};

TEST(DeviceTransport, AClientThatDiesMidReadTakesTheDeviceDown) {
  Pipe requests, replies;
  SilentDeviceHandler h;
  int status = -1;
  std::thread server([&] { status = api::serve_fds(h, requests.r, replies.w); });
  auto send = [&](const std::string& line) {
    ASSERT_EQ(::write(requests.w, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  };
  send(R"({"jsonrpc": "2.0", "method": "open_transport", "params": {"options": {}}, "id": 1})"
       "\n");
  const Bytes reply = drain(replies.r, 5000);
  ASSERT_NE(std::string(reply.begin(), reply.end()).find("session_start_timeout_sec"),
            std::string::npos);
  ASSERT_GT(h.pid, 0);
  // read_transport with no timeout: the device never answers.
  send(R"({"jsonrpc": "2.0", "method": "read_transport", "params": {"n": 1, "timeout_sec": null}, )"
       R"("id": 2})"
       "\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(::kill(h.pid, 0), 0) << "the device stopped before the client went";
  const auto t0 = Clock::now();
  ::close(requests.w);  // the client dies: both its pipe ends close
  requests.w = -1;
  ::close(replies.r);
  replies.r = -1;
  server.join();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(status, 1) << "the reply could not be written";
  EXPECT_FALSE(h.device_.is_open());
  EXPECT_EQ(::kill(h.pid, 0), -1) << "the device program still runs";
}

}  // namespace
}  // namespace utvm::platforms
