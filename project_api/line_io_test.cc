#include "utvm/project_api/line_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace utvm::project_api {
namespace {

using namespace std::chrono_literals;

// A pipe whose ends are closed on destruction.
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close_r();
    close_w();
  }
  void put(std::string_view s) const { write_all(w, s); }
  void close_r() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

TEST(LineReader, AllLineEndingsInOneRead) {
  Pipe p;
  p.put("a\nb\r\nc\rd\r\re\n");
  p.close_w();
  LineReader reader(p.r);
  EXPECT_EQ(reader.read_line(), "a");
  EXPECT_EQ(reader.read_line(), "b");
  EXPECT_EQ(reader.read_line(), "c");
  EXPECT_EQ(reader.read_line(), "d");
  EXPECT_EQ(reader.read_line(), "");  // "\r\r" is two line ends
  EXPECT_EQ(reader.read_line(), "e");
  EXPECT_EQ(reader.read_line(), std::nullopt);
  EXPECT_EQ(reader.read_line(), std::nullopt);  // EOF is sticky
}

TEST(LineReader, CarriageReturnAtEndOfReadThenLineFeedInNextRead) {
  Pipe p;
  LineReader reader(p.r);
  p.put("first\r");
  EXPECT_EQ(reader.read_line(), "first");  // returned without waiting for a possible "\n"
  p.put("\nsecond\n");
  EXPECT_EQ(reader.read_line(), "second");  // the "\n" completed the "\r\n", not an empty line
  p.put("\r");
  EXPECT_EQ(reader.read_line(), "");
  p.put("\r\n");
  EXPECT_EQ(reader.read_line(), "");  // "\r" then "\r\n": two empty lines in total
  p.close_w();
  EXPECT_EQ(reader.read_line(), std::nullopt);
}

TEST(LineReader, AssemblesPartialReads) {
  Pipe p;
  LineReader reader(p.r);
  std::thread writer([&] {
    for (const char* piece : {"{\"json", "rpc\": ", "\"2.0\"}", "\n"}) {
      p.put(piece);
      std::this_thread::sleep_for(5ms);
    }
  });
  EXPECT_EQ(reader.read_line(), "{\"jsonrpc\": \"2.0\"}");
  writer.join();
}

TEST(LineReader, FinalLineWithoutTerminatorAndEmptyStream) {
  {
    Pipe p;
    p.put("last");
    p.close_w();
    LineReader reader(p.r);
    EXPECT_EQ(reader.read_line(), "last");
    EXPECT_EQ(reader.read_line(), std::nullopt);
  }
  {
    Pipe p;
    p.close_w();
    LineReader reader(p.r);
    EXPECT_EQ(reader.read_line(), std::nullopt);
  }
}

TEST(LineReader, LinesLongerThanTheReadBuffer) {
  Pipe p;
  const std::string big(1 << 20, 'x');
  std::thread writer([&] {
    write_line(p.w, big);
    write_line(p.w, "tail");
    p.close_w();
  });
  LineReader reader(p.r);
  std::string line;
  ASSERT_TRUE(reader.read_line(line));
  EXPECT_EQ(line, big);
  EXPECT_EQ(reader.read_line(), "tail");
  EXPECT_EQ(reader.read_line(), std::nullopt);
  writer.join();
}

TEST(LineReader, MaxLineLength) {
  Pipe p;
  p.put("0123456789\n01234567890\n");
  p.close_w();
  LineReader reader(p.r, 10, "test pipe");
  EXPECT_EQ(reader.read_line(), "0123456789");
  try {
    reader.read_line();
    FAIL() << "expected an error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(std::string(e.what()), "line longer than 10 bytes on test pipe");
  }
}

TEST(LineReader, MaxLineLengthAcrossReads) {
  Pipe p;
  LineReader reader(p.r, 100000);
  std::thread writer([&] {
    std::string chunk(30000, 'y');
    for (int i = 0; i < 5; ++i) {
      try {
        p.put(chunk);
      } catch (const std::exception&) {
        break;  // the reader gave up and closed
      }
    }
    p.close_w();
  });
  EXPECT_THROW(reader.read_line(), utvm::Error);
  p.close_r();
  writer.join();
}

TEST(LineReader, DeadlineTimesOutAndKeepsPartialLine) {
  Pipe p;
  LineReader reader(p.r);
  EXPECT_THROW(reader.read_line(LineReader::Clock::now() + 30ms), LineTimeoutError);
  p.put("ab");
  EXPECT_THROW(reader.read_line(LineReader::Clock::now() + 30ms), LineTimeoutError);
  p.put("c\n");
  EXPECT_EQ(reader.read_line(LineReader::Clock::now() + 5s), "abc");
  // A deadline already in the past still returns a line that is available.
  p.put("now\n");
  EXPECT_EQ(reader.read_line(LineReader::Clock::now() - 1s), "now");
}

TEST(LineReader, NonBlockingDescriptor) {
  Pipe p;
  ::fcntl(p.r, F_SETFL, ::fcntl(p.r, F_GETFL) | O_NONBLOCK);
  LineReader reader(p.r);
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    p.put("late\n");
  });
  EXPECT_EQ(reader.read_line(), "late");
  writer.join();
}

TEST(WriteLine, ClosedReaderIsAnErrorNotSigpipe) {
  Pipe p;
  p.close_r();
  try {
    write_line(p.w, "hello", "reply pipe");
    FAIL() << "expected an error";
  } catch (const utvm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("reply pipe"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("EPIPE"), std::string::npos) << e.what();
  }
  // Still alive, SIGPIPE neither delivered nor left pending, mask restored.
  sigset_t pending, mask;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  EXPECT_EQ(sigismember(&mask, SIGPIPE), 0);
}

TEST(WriteLine, LargeLineWithSlowReader) {
  Pipe p;
  ::fcntl(p.w, F_SETFL, ::fcntl(p.w, F_GETFL) | O_NONBLOCK);  // EAGAIN path
  std::string big(3 << 20, 'z');
  big[12345] = 'q';
  std::string got;
  std::thread reader_thread([&] {
    LineReader reader(p.r);
    got = reader.read_line().value_or("<eof>");
  });
  write_line(p.w, big);
  reader_thread.join();
  EXPECT_EQ(got, big);
}

}  // namespace
}  // namespace utvm::project_api
