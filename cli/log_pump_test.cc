#include "log_pump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {
namespace fs = std::filesystem;
using utvm::cli::LogPump;

class LogPumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("utvm_log_pump_" + std::to_string(::getpid()));
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    fs::remove(path_);
  }
  std::string log() {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // A child that writes `bytes` bytes of 'x' to the pump, then `tail`, and exits.
  pid_t writer(LogPump& pump, std::size_t bytes, const std::string& tail) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string chunk(4096, 'x');
      for (std::size_t done = 0; done < bytes; done += chunk.size())
        if (::write(pump.write_fd(), chunk.data(), std::min(chunk.size(), bytes - done)) < 0)
          ::_exit(1);
      if (::write(pump.write_fd(), tail.data(), tail.size()) < 0) ::_exit(1);
      ::_exit(0);
    }
    return pid;
  }
  fs::path path_;
  int fd_ = -1;
};

TEST_F(LogPumpTest, CopiesEverythingBelowTheCap) {
  LogPump pump(fd_, 1 << 20);
  const pid_t pid = writer(pump, 10000, "END\n");
  pump.close_write_end();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  pump.finish();
  const std::string text = log();
  EXPECT_EQ(text.size(), 10004u);
  EXPECT_EQ(text.substr(text.size() - 4), "END\n");
  EXPECT_FALSE(pump.truncated());
}

// A flood far past the cap: the writer is never blocked (it exits), the log stops at the cap
// with one line saying so.
TEST_F(LogPumpTest, CutsAFloodAtTheCapWithoutBlockingTheWriter) {
  LogPump pump(fd_, 64 * 1024);
  const pid_t pid = writer(pump, 8 << 20, "END\n");
  pump.close_write_end();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  pump.finish();
  EXPECT_TRUE(pump.truncated());
  const std::string text = log();
  EXPECT_LT(text.size(), 64u * 1024 + 200);
  EXPECT_NE(text.find("[utvm: this log was cut after 65536 bytes"), std::string::npos);
  EXPECT_EQ(text.find("END"), std::string::npos);
}

// finish() returns while a writer still holds the pipe (a server waiting for its next
// request): the log holds what was sent, and later output never reaches the file.
TEST_F(LogPumpTest, FinishDoesNotWaitForTheWritersToExit) {
  auto pump = std::make_unique<LogPump>(fd_, 1 << 20);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    const char first[] = "before\n";
    if (::write(pump->write_fd(), first, sizeof first - 1) < 0) ::_exit(1);
    char c;
    if (::read(go[0], &c, 1) < 0) ::_exit(1);  // until the test says so
    const char later[] = "after\n";
    if (::write(pump->write_fd(), later, sizeof later - 1) < 0) ::_exit(1);
    ::_exit(0);
  }
  ::close(go[0]);
  pump->close_write_end();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pump->finish();
  EXPECT_EQ(log(), "before\n");
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  ::close(go[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  pump.reset();
  EXPECT_EQ(log(), "before\n");
}

}  // namespace
