// Starting and controlling child processes (Project API servers, QEMU, cmake, built firmware).
//
// Promises:
//  - The child gets exactly the fds it is told about: 0/1/2 (inherited or redirected) and the
//    keep_fds mappings; every other fd is closed before exec, whatever CLOEXEC flags the parent
//    left around.
//  - Failures before the program runs (not found, not executable, bad cwd) are reported to the
//    caller as utvm::Error naming argv[0], never as a child that silently exits 127.
//  - A Process never leaks a zombie: its destructor terminates (SIGTERM, then SIGKILL, to the
//    whole process group when it has one) and reaps.
//  - Statuses are raw waitpid() statuses; describe_exit_status() turns them into text.
// Not thread-safe: one Process object is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace utvm {

struct SpawnOptions {
  // argv[0] is looked up on PATH when it has no '/'; a relative path with '/' is taken
  // relative to the parent's working directory (not to cwd below).
  std::vector<std::string> argv;
  std::filesystem::path cwd;                  // empty: inherit the parent's
  std::vector<std::pair<int, int>> keep_fds;  // {child_fd, parent_fd}: dup parent_fd to child_fd
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;           // -1 = inherit
  std::vector<std::pair<std::string, std::string>> extra_env;  // added to / overriding environ
  bool new_process_group = true;  // the child leads its own group; terminate() signals the group
};

class Process {
 public:
  // Starts the program. Throws utvm::Error(kFailure, "starting <argv0>: ...") when it cannot run.
  static Process spawn(const SpawnOptions& options);

  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // terminates + reaps if still running

  pid_t pid() const { return pid_; }
  bool valid() const { return pid_ > 0; }

  // The raw wait status once the child has exited (reaping it), else nullopt. Never blocks.
  std::optional<int> try_wait();
  // Like try_wait() but waits up to `timeout` for the exit.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Blocks until the child exits; returns its raw wait status.
  int wait();
  // SIGTERM to the group (or the process), up to `grace` for it to exit, then SIGKILL to the
  // group (also killing leftover group members when the leader exited on its own), then reap.
  // Returns the leader's raw wait status. No-op (returns the cached status) if already done.
  int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(500));

 private:
  void release() noexcept;

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool own_group_ = false;
  std::optional<int> status_;
};

// "exited with 3", "exited with 0", "killed by signal 9 (SIGKILL)".
std::string describe_exit_status(int status);

// The first regular, executable `dir/name` for the directories of `path_env` (a PATH value; an
// empty entry is the current directory), as Process::spawn looks programs up.
std::optional<std::string> find_in_path(const std::string& name, const std::string& path_env);

}  // namespace utvm
