// FdStream over real pipes: data, deadlines, and a peer that goes away.
#include "utvm/transport/fd_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <vector>

namespace {

using namespace std::chrono_literals;
using utvm::transport::FdStream;
using utvm::transport::TransportTimeout;

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { EXPECT_EQ(pipe(fds), 0); }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
  void close_end(int i) {
    close(fds[i]);
    fds[i] = -1;
  }
};

auto in(std::chrono::milliseconds ms) {
  return std::chrono::steady_clock::now() + ms;
}

TEST(FdStream, CarriesBytesBothWays) {
  Pipe a;
  FdStream s(a.fds[0], a.fds[1]);
  std::vector<std::uint8_t> msg = {1, 2, 3, 0xA5, 0};
  s.write(msg, in(1000ms));
  std::array<std::uint8_t, 16> buf{};
  std::size_t n = s.read(buf, in(1000ms));
  ASSERT_EQ(n, msg.size());
  EXPECT_TRUE(std::equal(msg.begin(), msg.end(), buf.begin()));
}

TEST(FdStream, ReadPastTheDeadlineThrowsTimeout) {
  Pipe a;
  FdStream s(a.fds[0], a.fds[1]);
  std::array<std::uint8_t, 4> buf{};
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(s.read(buf, in(50ms)), TransportTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 45ms);
}

TEST(FdStream, EndOfFileIsAClosedLinkNotATimeout) {
  Pipe a;
  FdStream s(a.fds[0], -1, "the test device");
  a.close_end(1);
  std::array<std::uint8_t, 4> buf{};
  try {
    s.read(buf, in(1000ms));
    FAIL() << "read returned";
  } catch (const TransportTimeout&) {
    FAIL() << "EOF reported as a timeout";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kTransport);
    EXPECT_STREQ(e.what(), "the test device closed the link");
  }
}

TEST(FdStream, WritingToAVanishedReaderFailsWithoutSigpipe) {
  Pipe a;
  FdStream s(-1, a.fds[1]);
  a.close_end(0);
  std::vector<std::uint8_t> msg(10, 1);
  try {
    s.write(msg, in(1000ms));
    FAIL() << "write succeeded";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("closed the link"), std::string::npos);
  }
}

TEST(FdStream, WriteToAPeerThatStoppedReadingTimesOut) {
  Pipe a;
  FdStream s(a.fds[0], a.fds[1]);
  std::vector<std::uint8_t> big(4 << 20, 7);  // larger than any pipe buffer
  EXPECT_THROW(s.write(big, in(50ms)), TransportTimeout);
}

TEST(FdStream, WriteTimeoutSaysHowMuchWentOut) {
  // A caller that waits in slices goes on from where the timed-out write stopped.
  Pipe a;
  FdStream s(a.fds[0], a.fds[1]);
  std::vector<std::uint8_t> big(4 << 20, 7);
  std::size_t written = 0;
  try {
    s.write(big, in(50ms));
    FAIL() << "a 4 MiB write into an unread pipe finished";
  } catch (const TransportTimeout& t) {
    written = t.bytes_written();
  }
  std::size_t drained = 0;
  std::array<std::uint8_t, 4096> buf{};
  while (drained < written) {
    drained += s.read(buf, in(50ms));
  }
  EXPECT_GT(written, 0u);
  EXPECT_EQ(drained, written);
  EXPECT_THROW(s.read(buf, in(20ms)), TransportTimeout) << "more bytes in the pipe than reported";
}

}  // namespace
