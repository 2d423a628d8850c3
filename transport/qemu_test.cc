// QemuProcess against real firmware on mps2-an385: echo over every channel, a firmware that never
// answers (timeout, no hang), QEMU exiting on its own, and no QEMU left behind when its owner is
// killed. Skips when qemu-system-arm or arm-none-eabi-gcc is missing.
#include "utvm/transport/qemu.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "../platforms/baremetal/test_firmware/build_firmware.h"
#include "utvm/common/error.h"

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace bt = utvm::baremetal::testing;

#define SKIP_WITHOUT_TOOLS()                                                 \
  do {                                                                       \
    std::string missing = bt::missing_tools();                               \
    if (!missing.empty()) GTEST_SKIP() << "needs " << missing << " on PATH"; \
  } while (0)

std::filesystem::path firmware(const std::string& app) {
  bt::FirmwareRequest r;
  r.app = app + ".c";
  return bt::build_firmware(r, "an385-" + app);
}

QemuOptions options_for(const std::filesystem::path& elf, QemuChannel channel) {
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = elf;
  o.channel = channel;
  return o;
}

// Reads until `marker` has been seen; returns everything read.
std::string read_until(QemuProcess& q, const std::string& marker, Clock::duration timeout) {
  std::string got;
  auto deadline = Clock::now() + timeout;
  uint8_t buf[256];
  while (got.find(marker) == std::string::npos) {
    size_t n = q.read(buf, deadline);
    got.append(reinterpret_cast<char*>(buf), n);
  }
  return got;
}

bool group_alive(pid_t pgid) {
  return bt::process_group_alive(pgid);
}

bool wait_group_gone(pid_t pgid, Clock::duration timeout) {
  return bt::wait_process_group_gone(
      pgid, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
}

// Issue 14 item 13: a QemuProcess whose start fails (a "QEMU" that exits before connecting its
// UART) used to leave its /tmp/utvm-qemu-*.log behind. Needs no QEMU.
TEST(Reliability, QemuStartFailureLeavesNoLog) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("utvm-qemu-log-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", dir.c_str(), 1);
  std::ofstream(dir / "kernel.elf") << "not firmware";
  for (const auto& [binary, channel] :
       {std::pair<std::string, QemuChannel>{"/bin/false", QemuChannel::kTcpClient},
        {"/bin/false", QemuChannel::kTcpServer}}) {
    SCOPED_TRACE(binary);
    QemuOptions o = options_for(dir / "kernel.elf", channel);
    o.binary = binary;
    o.start_timeout = 5s;
    EXPECT_THROW(QemuProcess q(o), Error);
  }
  if (old)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"kernel.elf"});
  std::filesystem::remove_all(dir);
}

class QemuChannelTest : public ::testing::TestWithParam<QemuChannel> {};

TEST_P(QemuChannelTest, EchoesEveryByteInOrder) {
  SKIP_WITHOUT_TOOLS();
  QemuProcess q(options_for(firmware("echo"), GetParam()));
  std::string banner = read_until(q, "READY\n", 10s);
  EXPECT_EQ(banner, "READY\n");

  std::vector<uint8_t> sent(4096);
  for (size_t i = 0; i < sent.size(); ++i)
    sent[i] = static_cast<uint8_t>((i * 7 + i / 256) & 0xFF);
  std::vector<uint8_t> got;
  std::thread writer([&] { q.write(sent, Clock::now() + 20s); });
  uint8_t buf[1024];
  auto deadline = Clock::now() + 20s;
  while (got.size() < sent.size()) {
    size_t n = q.read(buf, deadline);
    got.insert(got.end(), buf, buf + n);
  }
  writer.join();
  EXPECT_EQ(got, sent);

  pid_t group = q.process_group();
  EXPECT_TRUE(group_alive(group));
  q.close();
  EXPECT_TRUE(wait_group_gone(group, 3s)) << "QEMU still running after close()";
}

INSTANTIATE_TEST_SUITE_P(Channels, QemuChannelTest,
                         ::testing::Values(QemuChannel::kStdio, QemuChannel::kTcpClient,
                                           QemuChannel::kTcpServer),
                         [](const auto& info) {
                           std::string n = qemu_channel_name(info.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(QemuProcess, SilentFirmwareTimesOutInsteadOfHanging) {
  SKIP_WITHOUT_TOOLS();
  QemuProcess q(options_for(firmware("hang"), default_qemu_channel()));
  uint8_t buf[16];
  auto start = Clock::now();
  try {
    q.read(buf, Clock::now() + 300ms);
    FAIL() << "read returned although the firmware never writes";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - start, 5s);
  pid_t group = q.process_group();
  q.close();
  EXPECT_TRUE(wait_group_gone(group, 3s));
}

TEST(QemuProcess, ReportsQemuExitingOnItsOwn) {
  SKIP_WITHOUT_TOOLS();
  QemuOptions o = options_for(firmware("hello"), QemuChannel::kStdio);
  o.no_reboot = true;  // hello.c resets at the end, which then ends QEMU
  QemuProcess q(o);
  std::string text = read_until(q, "DONE\n", 10s);
  EXPECT_NE(text.find("data/bss OK"), std::string::npos) << text;
  EXPECT_NE(text.find("timer OK"), std::string::npos) << text;
  uint8_t buf[16];
  try {
    for (;;)
      q.read(buf, Clock::now() + 5s);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
  }
  auto status = q.exit_status();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_exit_status(*status);
}

TEST(QemuProcess, MissingFirmwareIsATransportError) {
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = "/nonexistent/firmware.elf";
  try {
    QemuProcess q(o);
    FAIL() << "started without a firmware";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/firmware.elf"), std::string::npos);
  }
}

TEST(QemuProcess, BadMachineQuotesQemu) {
  SKIP_WITHOUT_TOOLS();
  QemuOptions o = options_for(firmware("hang"), QemuChannel::kTcpClient);
  o.machine = "no-such-board";
  try {
    QemuProcess q(o);
    FAIL() << "started with a bad machine";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("no-such-board"), std::string::npos) << e.what();
  }
}

// The owner dies without running any destructor: SIGKILL (a crash), SIGINT (Ctrl-C with the
// default action) or SIGTERM. The lifeline watcher must stop QEMU in every case.
class OwnerDeath : public ::testing::TestWithParam<int> {};

TEST_P(OwnerDeath, NoQemuLeftWhenOwnerDies) {
  SKIP_WITHOUT_TOOLS();
  auto elf = firmware("hang");
  // The child dies without destructors, so the QEMU log goes to a file this test removes.
  const std::filesystem::path log =
      std::filesystem::temp_directory_path() /
      ("utvm-qemu-owner-death-" + std::to_string(::getpid()) + ".log");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    try {
      QemuOptions o = options_for(elf, default_qemu_channel());
      o.log_file = log;
      QemuProcess q(o);
      pid_t group = q.process_group();
      (void)!::write(fds[1], &group, sizeof group);
      for (;;)
        ::pause();
    } catch (...) {
      _exit(3);
    }
  }
  ::close(fds[1]);
  pid_t group = 0;
  ASSERT_EQ(::read(fds[0], &group, sizeof group), static_cast<ssize_t>(sizeof group));
  ::close(fds[0]);
  ASSERT_TRUE(group_alive(group));
  ::kill(child, GetParam());
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == GetParam());
  EXPECT_TRUE(wait_group_gone(group, 5s)) << "QEMU survived its owner's " << strsignal(GetParam());
  std::error_code ec;
  std::filesystem::remove(log, ec);
}

INSTANTIATE_TEST_SUITE_P(Signals, OwnerDeath, ::testing::Values(SIGKILL, SIGINT, SIGTERM),
                         [](const auto& info) {
                           switch (info.param) {
                             case SIGKILL:
                               return std::string("SIGKILL");
                             case SIGINT:
                               return std::string("SIGINT");
                             default:
                               return std::string("SIGTERM");
                           }
                         });

TEST(QemuChannelNames, RoundTrip) {
  for (auto c : {QemuChannel::kStdio, QemuChannel::kTcpClient, QemuChannel::kTcpServer}) {
    EXPECT_EQ(parse_qemu_channel(qemu_channel_name(c)), c);
  }
  EXPECT_EQ(parse_qemu_channel("tcp"), QemuChannel::kTcpClient);
  EXPECT_FALSE(parse_qemu_channel("serial").has_value());
}

}  // namespace
}  // namespace utvm::transport
