// Issue 14 items 1 and 4-7 through the real binary: what -f may replace, create-project that
// appears complete or not at all (SIGKILL, Ctrl-C), deadlines for a hung server, the project
// lock, and an unusable MLF reported as the user's file with exit 10. The hung server is a real
// Project API server (fault_template/, Python) told to misbehave; the platform builds are real.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <fmt/core.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "harness.h"
#include "utvm/common/subprocess.h"

namespace utvm::reliability {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path fault_template() {
  return fs::path(UTVM_SOURCE_DIR) / "tests/reliability/fault_template";
}

bool have_python() {
  const char* path = std::getenv("PATH");
  return find_in_path("python3", path ? path : "").has_value();
}

bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// ---- item 1: -f --------------------------------------------------------------------------------

TEST_F(Reliability, ForceNeverDeletesFolderHoldingTheInput) {
  // The audit's reproduction: cd x/data; utvm create-project .. model.tar host -f
  const fs::path x = dir_ / "x";
  fs::create_directories(x / "data");
  fs::copy_file(example_mlf(), x / "model.tar");
  write_text(x / "notes.txt", "a user's file\n");
  auto r = utvm({"create-project", "..", "../model.tar", "host", "-f"}, {}, 120s, x / "data");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("-f will not replace"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(x / "model.tar"));
  EXPECT_EQ(read_text(x / "notes.txt"), "a user's file\n");

  // The input inside the folder to replace, even when that folder is a utvm project.
  ASSERT_EQ(
      utvm({"create-project", (dir_ / "p").string(), example_mlf().string(), "host"}).exit_code, 0);
  fs::copy_file(example_mlf(), dir_ / "p" / "mine.tar");
  r = utvm(
      {"create-project", (dir_ / "p").string(), (dir_ / "p" / "mine.tar").string(), "host", "-f"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("contains the input"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "p" / "mine.tar"));
}

TEST_F(Reliability, ForceReplacesOnlyUtvmProjects) {
  const fs::path thesis = dir_ / "thesis";
  write_text(thesis / "chapter1.tex", "years of work\n");
  auto r = utvm({"create-project", thesis.string(), example_mlf().string(), "host", "-f"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not a utvm project"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(thesis / "chapter1.tex"), "years of work\n");

  // A plain file and a symbolic link are not replaced either.
  write_text(dir_ / "file", "x");
  EXPECT_EQ(utvm({"create-project", (dir_ / "file").string(), example_mlf().string(), "host", "-f"})
                .exit_code,
            2);
  fs::create_directory_symlink(thesis, dir_ / "link");
  EXPECT_EQ(utvm({"create-project", (dir_ / "link").string(), example_mlf().string(), "host", "-f"})
                .exit_code,
            2);
  EXPECT_TRUE(fs::exists(thesis / "chapter1.tex"));

  // An empty folder and a utvm project are replaced.
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(
      utvm({"create-project", (dir_ / "empty").string(), example_mlf().string(), "host", "-f"})
          .exit_code,
      0);
  EXPECT_TRUE(fs::exists(dir_ / "empty" / "utvm-project.json"));
}

TEST_F(Reliability, ForceKeepsTheOldProjectUntilTheNewOneIsComplete) {
  const fs::path p = dir_ / "p";
  ASSERT_EQ(utvm({"create-project", p.string(), example_mlf().string(), "host"}).exit_code, 0);
  write_text(p / "marker", "old");
  // A generate_project that fails (a non-MLF passes the CLI's check only as a template's input:
  // here the server fails on an option value instead).
  auto r = utvm({"create-project", p.string(), example_mlf().string(), "host", "-f",
                 "--project-option", "workspace_size_bytes=-5"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(p / "marker"), "old") << "the old project must survive a failed -f";
  EXPECT_TRUE(temporaries_in(dir_).empty());
  // A successful -f replaces it in one step.
  r = utvm({"create-project", p.string(), example_mlf().string(), "host", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(p / "marker"));
  EXPECT_TRUE(fs::exists(p / "utvm-project.json"));
  EXPECT_TRUE(temporaries_in(dir_).empty());
}

// ---- item 4: atomic create-project -------------------------------------------------------------

// Starts create-project of `project` with the fault template in slow mode; returns the process.
Process start_create(const fs::path& project, const fs::path& mlf, const std::string& fault) {
  SpawnOptions o;
  o.argv = {
      utvm_binary().string(), "create-project",         project.string(), mlf.string(), "template",
      "--template-dir",       fault_template().string()};
  o.extra_env = {{"UTVM_FAULT", fault}};
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
  Process p = Process::spawn(o);
  ::close(devnull);
  return p;
}

TEST_F(Reliability, CreateProjectIsAtomicUnderSigkill) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed (the fault server is Python)";
  // Kill utvm at points spread over a create-project that takes ~2.5 s: before, during and
  // after generate_project. The project must be absent or complete (utvm-project.json), never
  // half there; the next run sweeps what the killed ones left.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(round);
    const fs::path p = dir_ / fmt::format("p{}", round);
    Process proc = start_create(p, example_mlf(), "slow_generate");
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 400 * round));
    ::kill(proc.pid(), SIGKILL);
    proc.wait();
    // The server may finish its generate_project after utvm is gone: it must not publish P.
    std::this_thread::sleep_for(3s);
    if (fs::exists(p)) {
      EXPECT_TRUE(fs::exists(p / "utvm-project.json")) << p << " exists but is incomplete";
    }
  }
  // The next create-project in the same folder removes the dead runs' temporaries.
  auto r = utvm({"create-project", (dir_ / "last").string(), example_mlf().string(), "template",
                 "--template-dir", fault_template().string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(temporaries_in(dir_).empty()) << ::testing::PrintToString(temporaries_in(dir_));
}

TEST_F(Reliability, CreateProjectInterruptedLeavesNothing) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed (the fault server is Python)";
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const fs::path p = dir_ / fmt::format("p{}", round);
    Process proc = start_create(p, example_mlf(), "slow_generate");
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 300 * round));
    ::kill(proc.pid(), round % 2 ? SIGTERM : SIGINT);
    const int st = proc.wait();
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) continue;  // finished first: fine
    EXPECT_FALSE(fs::exists(p));
    EXPECT_TRUE(eventually([&] { return temporaries_in(dir_).empty(); }, 5s))
        << ::testing::PrintToString(temporaries_in(dir_));
  }
}

// ---- item 5: deadlines
// ---------------------------------------------------------------------------

// Runs `args` against a server that hangs in `step`; expects exit 5 within the deadline and the
// server's process group (server and its child) gone.
void expect_deadline(const fs::path& dir, const std::vector<std::string>& args,
                     const std::string& fault) {
  const fs::path pids = dir / "pids";
  fs::remove(pids);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = utvm(args, {{"UTVM_FAULT", fault}, {"UTVM_FAULT_PIDS", pids.string()}}, 60s);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_LT(took, 30s);
  EXPECT_NE(r.output.find("no reply within"), std::string::npos) << r.output;
  std::ifstream in(pids);
  pid_t server = 0, child = 0;
  ASSERT_TRUE(in >> server >> child) << "the fault server did not start its child";
  EXPECT_TRUE(eventually([&] { return !process_alive(server) && !process_alive(child); }, 5s))
      << "the hung server's process group outlived utvm";
}

TEST_F(Reliability, HungServerHitsTheDeadline) {
  if (!have_python()) GTEST_SKIP() << "python3 is not installed (the fault server is Python)";
  const std::string t = fault_template().string();
  expect_deadline(dir_,
                  {"create-project", (dir_ / "g").string(), example_mlf().string(), "template",
                   "--template-dir", t, "--timeout", "2"},
                  "hang_generate");
  EXPECT_FALSE(fs::exists(dir_ / "g"));
  const fs::path p = dir_ / "p";
  ASSERT_EQ(
      utvm({"create-project", p.string(), example_mlf().string(), "template", "--template-dir", t})
          .exit_code,
      0);
  expect_deadline(dir_, {"build", p.string(), "--timeout", "2"}, "hang_build");
  ASSERT_EQ(utvm({"build", p.string()}).exit_code, 0);
  expect_deadline(dir_, {"flash", p.string(), "--timeout", "2"}, "hang_flash");
  EXPECT_TRUE(temporaries_in(dir_).empty());
}

// ---- item 6: the project lock ------------------------------------------------------------------

TEST_F(Reliability, ConcurrentBuildsTakeTheProjectLock) {
  const fs::path p = dir_ / "p";
  ASSERT_EQ(utvm({"create-project", p.string(), example_mlf().string(), "host"}).exit_code, 0);
  // Another utvm holds the lock (as a running `utvm build` does).
  int fd = ::open((p / ".utvm-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  ASSERT_EQ(::write(fd, "building 4242\n", 14), 14);
  auto r = utvm({"build", p.string(), "--no-wait"});
  EXPECT_EQ(r.exit_code, 11) << r.output;
  EXPECT_NE(r.output.find("another utvm is building (pid 4242) " + p.string()), std::string::npos)
      << r.output;
  r = utvm({"run", p.string(), "--no-wait"});
  EXPECT_EQ(r.exit_code, 11) << r.output;
  // Without --no-wait it waits, and goes on once the lock is released.
  SpawnOptions o;
  o.argv = {utvm_binary().string(), "build", p.string()};
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
  Process waiting = Process::spawn(o);
  ::close(devnull);
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(waiting.try_wait().has_value()) << "the second build did not wait for the lock";
  ::close(fd);
  auto st = waiting.wait_for(std::chrono::milliseconds(240000));
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0);

  // Two real builds at once both succeed (they used to race in CMake's configure step).
  fs::remove_all(p / "build");
  SpawnOptions o2 = o;
  devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  o2.stdin_fd = o2.stdout_fd = o2.stderr_fd = devnull;
  Process a = Process::spawn(o2);
  Process b = Process::spawn(o2);
  ::close(devnull);
  for (Process* proc : {&a, &b}) {
    auto s = proc->wait_for(std::chrono::milliseconds(240000));
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(WIFEXITED(*s) && WEXITSTATUS(*s) == 0);
  }
}

// ---- item 7: an unusable MLF -------------------------------------------------------------------

TEST_F(Reliability, UnusableMlfIsExit10NamingTheUsersFile) {
  const fs::path bad = dir_ / "broken.tar";
  write_text(bad, std::string(4096, 'x'));
  auto r = utvm({"create-project", (dir_ / "p").string(), bad.string(), "host"});
  EXPECT_EQ(r.exit_code, 10) << r.output;
  EXPECT_NE(r.output.find(bad.string()), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("utvm-tmp"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("model.tar"), std::string::npos) << r.output;
  // A valid tar that is not an MLF (no metadata.json).
  write_text(bad, make_tar({{"hello.c", "int x;\n"}}));
  r = utvm({"create-project", (dir_ / "p").string(), bad.string(), "host"});
  EXPECT_EQ(r.exit_code, 10) << r.output;
  EXPECT_NE(r.output.find(bad.string()), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "p"));
  EXPECT_TRUE(temporaries_in(dir_).empty());
}

}  // namespace
}  // namespace utvm::reliability
