// Issue 14 item 2: output files never replace what the user pointed at (a special file, the
// target of a symbolic link). The special files are a pty (a character device this process owns,
// standing in for /dev/null so a broken build cannot harm the system) and a FIFO.
#include "utvm/common/output_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "utvm/common/error.h"

namespace utvm {
namespace {
namespace fs = std::filesystem;

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("utvm-output-file-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

using Reliability = OutputFile;

TEST_F(Reliability, OutputNeverReplacesSpecialFiles) {
  // A character device: written through, still a device afterwards.
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const fs::path tty = ::ptsname(master);
  write_output_file(tty, "hello\n");
  struct stat st {};
  ASSERT_EQ(::stat(tty.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << tty << " was replaced";
  char buf[64] = {};
  ssize_t n = ::read(master, buf, sizeof buf);
  EXPECT_GT(n, 0);
  EXPECT_NE(std::string(buf, n > 0 ? n : 0).find("hello"), std::string::npos);
  ::close(master);

  // A FIFO with a reader gets the bytes and stays a FIFO.
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    got = s.str();
  });
  // The reader opens asynchronously: retry while nobody is reading yet.
  for (int i = 0;; ++i) {
    try {
      write_output_file(fifo, "through the fifo");
      break;
    } catch (const Error&) {
      ASSERT_LT(i, 200) << "no reader appeared";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  reader.join();
  EXPECT_EQ(got, "through the fifo");
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));

  // A FIFO nobody reads: an error naming it, not a hang.
  try {
    write_output_file(fifo, "x");
    ADD_FAILURE() << "wrote to a FIFO without a reader";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("nobody is reading"), std::string::npos) << e.what();
  }
  // A folder is an error.
  EXPECT_THROW(write_output_file(dir_, "x"), Error);
}

TEST_F(Reliability, OutputFollowsSymlinks) {
  const fs::path target = dir_ / "real.npz";
  std::ofstream(target) << "old";
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("real.npz", dir_ / "link.npz");
  write_output_file(dir_ / "link.npz", "new");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.npz")) << "the link was replaced by a file";
  EXPECT_EQ(read(target), "new");
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  // A dangling link names the file to create.
  fs::create_symlink("made.npz", dir_ / "dangling.npz");
  write_output_file(dir_ / "dangling.npz", "made");
  EXPECT_EQ(read(dir_ / "made.npz"), "made");
  EXPECT_TRUE(fs::is_symlink(dir_ / "dangling.npz"));
  // Nothing but the files themselves is left (no temporaries).
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 4);
}

}  // namespace
}  // namespace utvm
