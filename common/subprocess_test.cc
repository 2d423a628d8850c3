#include "utvm/common/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "utvm/common/error.h"

namespace utvm {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Reads everything from fd until EOF and closes it.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  void close_w() {
    ::close(w);
    w = -1;
  }
  std::string read_all() {
    close_w();
    std::string s = drain(r);
    r = -1;
    return s;
  }
};

// Runs `sh -c script` with stdout captured; returns {stdout, raw status}.
std::pair<std::string, int> run_sh(const std::string& script, SpawnOptions opts = {}) {
  Pipe out;
  opts.argv = {"/bin/sh", "-c", script};
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  std::string text = out.read_all();
  int status = p.wait();
  return {text, status};
}

std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("utvm_subprocess_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// PATH lookup as spawn, doctor and the platform servers do it: the first regular executable file,
// skipping directories and files without the execute bit; an empty entry is the current dir.
TEST(FindInPath, FirstRegularExecutableFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("utvm-find-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (const char* d : {"a", "b", "c"})
    fs::create_directories(dir / d);
  fs::create_directories(dir / "a" / "tool");          // a directory is not a program
  std::ofstream(dir / "b" / "tool") << "#!/bin/sh\n";  // not executable
  std::ofstream(dir / "c" / "tool") << "#!/bin/sh\n";
  fs::permissions(dir / "c" / "tool", fs::perms::owner_all);
  const std::string path =
      (dir / "a").string() + ":" + (dir / "b").string() + ":" + (dir / "c").string();
  EXPECT_EQ(find_in_path("tool", path), (dir / "c" / "tool").string());
  EXPECT_EQ(find_in_path("missing", path), std::nullopt);
  EXPECT_EQ(find_in_path("tool", (dir / "b").string()), std::nullopt);
  const fs::path cwd = fs::current_path();
  fs::current_path(dir / "c");
  EXPECT_EQ(find_in_path("tool", (dir / "a").string() + ":"), "./tool");
  fs::current_path(cwd);
  fs::remove_all(dir);
}

TEST(Subprocess, ReportsExitCode) {
  auto [out, status] = run_sh("exit 3");
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(describe_exit_status(status), "exited with 3");
}

TEST(Subprocess, ReportsKillingSignal) {
  auto [out, status] = run_sh("kill -9 $$");
  EXPECT_EQ(describe_exit_status(status), "killed by signal 9 (SIGKILL)");
}

TEST(Subprocess, CapturesStdoutAndFeedsStdin) {
  Pipe in, out;
  SpawnOptions opts;
  opts.argv = {"cat"};  // found on PATH
  opts.stdin_fd = in.r;
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  ASSERT_EQ(::write(in.w, "ping\n", 5), 5);
  in.close_w();
  EXPECT_EQ(out.read_all(), "ping\n");
  EXPECT_EQ(describe_exit_status(p.wait()), "exited with 0");
}

TEST(Subprocess, MissingProgramNamesArgv0) {
  SpawnOptions opts;
  opts.argv = {"utvm-no-such-program-xyz"};
  try {
    Process::spawn(opts);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("utvm-no-such-program-xyz"));
    EXPECT_THAT(e.what(), HasSubstr("not found"));
  }
}

TEST(Subprocess, NonExecutableFileIsAnErrorNotExit127) {
  auto dir = temp_dir("noexec");
  auto script = dir / "script.sh";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0644);
  SpawnOptions opts;
  opts.argv = {script.string()};
  try {
    Process::spawn(opts);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(script.string()));
    EXPECT_THAT(e.what(), HasSubstr("exec: Permission denied"));
  }
  std::filesystem::remove_all(dir);
}

TEST(Subprocess, BadWorkingDirectoryIsAnError) {
  SpawnOptions opts;
  opts.argv = {"/bin/true"};
  opts.cwd = "/nonexistent/utvm/dir";
  try {
    Process::spawn(opts);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("changing directory"));
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/utvm/dir"));
  }
}

TEST(Subprocess, RunsInRequestedDirectoryWithExtraEnv) {
  auto dir = temp_dir("cwd");
  SpawnOptions opts;
  opts.cwd = dir;
  opts.extra_env = {{"UTVM_TEST_VAR", "hello world"}, {"HOME", "/utvm-home"}};
  auto [out, status] = run_sh("pwd; echo \"$UTVM_TEST_VAR\"; echo \"$HOME\"", opts);
  EXPECT_EQ(out, std::filesystem::canonical(dir).string() + "\nhello world\n/utvm-home\n");
  EXPECT_EQ(status, 0);
  std::filesystem::remove_all(dir);
}

TEST(Subprocess, RelativeProgramPathIsRelativeToParentNotCwd) {
  auto dir = temp_dir("relprog");
  auto script = dir / "hello.sh";
  std::ofstream(script) << "#!/bin/sh\necho hi-from-script\n";
  ::chmod(script.c_str(), 0755);
  auto saved = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  Pipe out;
  SpawnOptions opts;
  opts.argv = {"./hello.sh"};
  opts.cwd = "/";
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  std::filesystem::current_path(saved);
  EXPECT_EQ(out.read_all(), "hi-from-script\n");
  EXPECT_EQ(p.wait(), 0);
  std::filesystem::remove_all(dir);
}

// Lists the fds (below 64) open in a child shell.
std::set<int> child_fds(SpawnOptions opts) {
  // No glob or ls: those open a directory fd of their own.
  auto [out, status] = run_sh(
      "i=0; while [ $i -lt 64 ]; do [ -e /proc/$$/fd/$i ] && echo $i; i=$((i+1)); done", opts);
  std::set<int> fds;
  std::istringstream in(out);
  int fd;
  while (in >> fd)
    fds.insert(fd);
  return fds;
}

TEST(Subprocess, ClosesEveryFdNotAskedFor) {
  // A leaky fd without CLOEXEC in the parent must not reach the child.
  int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  int leaky_high = ::fcntl(leaky, F_DUPFD, 40);
  ASSERT_GE(leaky_high, 40);
  Pipe keep;
  SpawnOptions opts;
  opts.keep_fds = {{7, keep.w}};
  std::set<int> fds = child_fds(opts);
  ::close(leaky);
  ::close(leaky_high);
  EXPECT_EQ(fds, (std::set<int>{0, 1, 2, 7}));
}

TEST(Subprocess, KeepFdsMapsAndSwapsWithoutClobbering) {
  Pipe a, b;
  // Put the write ends on fds 8 and 9 (dash only redirects single digits), then ask for them
  // swapped in the child.
  ASSERT_EQ(::fcntl(8, F_GETFD), -1) << "fd 8 unexpectedly in use";
  ASSERT_EQ(::fcntl(9, F_GETFD), -1) << "fd 9 unexpectedly in use";
  ASSERT_EQ(::dup2(a.w, 8), 8);
  ASSERT_EQ(::dup2(b.w, 9), 9);
  a.close_w();
  b.close_w();
  a.w = 8;
  b.w = 9;
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", "echo to9 >&9; echo to8 >&8"};
  opts.keep_fds = {{9, 8}, {8, 9}};  // child 9 <- parent 8 (pipe a), child 8 <- pipe b
  Process p = Process::spawn(opts);
  EXPECT_EQ(a.read_all(), "to9\n");
  EXPECT_EQ(b.read_all(), "to8\n");
  EXPECT_EQ(p.wait(), 0);
}

TEST(Subprocess, TryWaitAndWaitForWhileRunning) {
  SpawnOptions opts;
  opts.argv = {"sleep", "1000"};
  Process p = Process::spawn(opts);
  EXPECT_GT(p.pid(), 0);
  EXPECT_FALSE(p.try_wait().has_value());
  EXPECT_FALSE(p.wait_for(20ms).has_value());
  int status = p.terminate(1000ms);
  EXPECT_EQ(describe_exit_status(status), "killed by signal 15 (SIGTERM)");
  // Cached afterwards.
  EXPECT_EQ(p.try_wait(), status);
  EXPECT_EQ(p.wait(), status);
}

TEST(Subprocess, WaitForSeesAnExit) {
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", "exit 5"};
  Process p = Process::spawn(opts);
  auto s = p.wait_for(10000ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(describe_exit_status(*s), "exited with 5");
}

TEST(Subprocess, TerminateEscalatesToSigkill) {
  Pipe out;
  SpawnOptions opts;
  // Tell the parent once the trap is installed, then ignore SIGTERM.
  opts.argv = {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"};
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  out.close_w();
  char buf[6];
  ASSERT_EQ(::read(out.r, buf, 6), 6);
  EXPECT_EQ(describe_exit_status(p.terminate(100ms)), "killed by signal 9 (SIGKILL)");
}

bool process_gone(pid_t pid) {
  // A killed grandchild is reparented and reaped by init (or a subreaper): gone or zombie.
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    auto close_paren = line.rfind(')');
    if (close_paren != std::string::npos && close_paren + 2 < line.size() &&
        line[close_paren + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(Subprocess, TerminateKillsTheWholeGroup) {
  Pipe out;
  SpawnOptions opts;
  opts.argv = {"/bin/sh", "-c", "sleep 1000 & echo $!; wait"};
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  out.close_w();
  std::string line;
  char c;
  while (::read(out.r, &c, 1) == 1 && c != '\n')
    line += c;
  pid_t grandchild = std::stoi(line);
  p.terminate(200ms);
  EXPECT_TRUE(process_gone(grandchild));
}

TEST(Subprocess, TerminateKillsLeftoversAfterLeaderExited) {
  Pipe out;
  SpawnOptions opts;
  // The leader exits at once; its background child keeps running in the group.
  opts.argv = {"/bin/sh", "-c", "sleep 1000 >/dev/null & echo $!"};
  opts.stdout_fd = out.w;
  Process p = Process::spawn(opts);
  std::string text = out.read_all();
  pid_t grandchild = std::stoi(text);
  ASSERT_TRUE(p.wait_for(10000ms).has_value());
  EXPECT_EQ(::kill(grandchild, 0), 0) << "the leftover should still run before terminate()";
  p.terminate(100ms);
  EXPECT_TRUE(process_gone(grandchild));
}

TEST(Subprocess, DestructorReapsARunningChild) {
  pid_t pid;
  {
    SpawnOptions opts;
    opts.argv = {"sleep", "1000"};
    Process p = Process::spawn(opts);
    pid = p.pid();
    Process moved = std::move(p);  // ownership moves; only one reaps
    EXPECT_EQ(moved.pid(), pid);
    EXPECT_FALSE(p.valid());
  }
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(Subprocess, ExtraEnvPathIsUsedForLookupAndStderrRedirects) {
  auto dir = temp_dir("pathlookup");
  auto tool = dir / "utvm-test-tool";
  std::ofstream(tool) << "#!/bin/sh\necho found-me >&2\n";
  ::chmod(tool.c_str(), 0755);
  Pipe err;
  SpawnOptions opts;
  opts.argv = {"utvm-test-tool"};
  opts.extra_env = {{"PATH", dir.string() + ":/usr/bin:/bin"}};
  opts.stderr_fd = err.w;
  Process p = Process::spawn(opts);
  EXPECT_EQ(err.read_all(), "found-me\n");
  EXPECT_EQ(p.wait(), 0);
  std::filesystem::remove_all(dir);
}

TEST(Subprocess, SameProcessGroupWhenAsked) {
  SpawnOptions opts;
  opts.argv = {"sleep", "1000"};
  opts.new_process_group = false;
  Process p = Process::spawn(opts);
  EXPECT_EQ(::getpgid(p.pid()), ::getpgrp());
  EXPECT_EQ(describe_exit_status(p.terminate(1000ms)), "killed by signal 15 (SIGTERM)");
  opts.new_process_group = true;
  Process q = Process::spawn(opts);
  EXPECT_EQ(::getpgid(q.pid()), q.pid());
}

TEST(Subprocess, ClosedSourceFdIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  SpawnOptions opts;
  opts.argv = {"/bin/true"};
  opts.keep_fds = {{3, fds[0]}};  // no longer open
  try {
    Process::spawn(opts);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("starting /bin/true: setting up file descriptors"));
  }
}

TEST(Subprocess, DescribeExitStatus) {
  EXPECT_EQ(describe_exit_status(0), "exited with 0");
  EXPECT_EQ(describe_exit_status(1 << 8), "exited with 1");
  EXPECT_EQ(describe_exit_status(SIGSEGV), "killed by signal 11 (SIGSEGV)");
}

}  // namespace
}  // namespace utvm
