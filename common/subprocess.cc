// fork+exec with full control of the child's fds, cwd, environment and process group.
// Everything the child needs (argv, envp, fd plan) is prepared before fork(); between fork() and
// exec the child only makes async-signal-safe system calls, so it is safe in threaded parents.
#include "utvm/common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "utvm/common/error.h"

extern char** environ;

namespace utvm {
namespace {

// What the child reports through the CLOEXEC error pipe when it fails before exec.
struct ChildFailure {
  int step;  // index into kSteps
  int err;
};
constexpr const char* kSteps[] = {"setting up file descriptors", "changing directory", "exec"};

int retry_close(int fd) {
  return fd >= 0 ? ::close(fd) : 0;
}

// Closes [lo, hi] (inclusive) in the child; close_range when the kernel has it.
void close_fds(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (::close_range(lo, hi, 0) == 0) return;
  rlimit rl{};
  unsigned max = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
    max = static_cast<unsigned>(rl.rlim_cur);
  for (unsigned fd = lo; fd <= hi && fd < max; ++fd)
    ::close(static_cast<int>(fd));
}

[[noreturn]] void child_fail(int err_fd, int step, int err) {
  ChildFailure f{step, err};
  ssize_t unused = ::write(err_fd, &f, sizeof f);
  (void)unused;
  ::_exit(127);
}

std::string resolve_program(const std::string& name, const std::string& path_env) {
  if (name.find('/') != std::string::npos) {
    std::filesystem::path p(name);
    if (p.is_relative()) p = std::filesystem::absolute(p);
    return p.string();
  }
  if (auto found = find_in_path(name, path_env)) return *found;
  throw Error(ExitCode::kFailure, "starting " + name + ": program not found on PATH");
}

}  // namespace

std::optional<std::string> find_in_path(const std::string& name, const std::string& path_env) {
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    // An empty PATH entry means the current directory.
    std::string candidate = end == start ? std::string(".") : path_env.substr(start, end - start);
    candidate.append("/").append(name);
    if (::access(candidate.c_str(), X_OK) == 0) {
      struct stat st;
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Process Process::spawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty())
    throw Error(ExitCode::kFailure, "starting a process: empty command line");
  const std::string& argv0 = options.argv[0];

  // Environment: the parent's, with extra_env added or overriding.
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    bool overridden = std::any_of(options.extra_env.begin(), options.extra_env.end(),
                                  [&](const auto& kv) { return kv.first == key; });
    if (!overridden) env_storage.push_back(std::move(entry));
  }
  std::string path_env = "/usr/local/bin:/usr/bin:/bin";
  if (const char* p = ::getenv("PATH")) path_env = p;
  for (const auto& [k, v] : options.extra_env) {
    env_storage.push_back(k + "=" + v);
    if (k == "PATH") path_env = v;
  }
  std::string program = resolve_program(argv0, path_env);

  std::vector<char*> argv;
  for (const auto& a : options.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_storage)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = options.cwd.string();

  // The fd plan: targets[i] <- sources[i]. 0/1/2 are either redirected or inherited as is.
  std::vector<int> sources, targets;
  auto add = [&](int target, int source) {
    if (source < 0) return;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i] == target) {
        sources[i] = source;
        return;
      }
    }
    targets.push_back(target);
    sources.push_back(source);
  };
  add(0, options.stdin_fd);
  add(1, options.stdout_fd);
  add(2, options.stderr_fd);
  for (const auto& [child_fd, parent_fd] : options.keep_fds) {
    if (child_fd < 0 || parent_fd < 0)
      throw Error(ExitCode::kFailure, "starting " + argv0 + ": negative fd in keep_fds");
    add(child_fd, parent_fd);
  }
  // Child fds that survive exec, sorted: 0,1,2 always (inherited or redirected) + targets.
  std::vector<int> keep = {0, 1, 2};
  for (int t : targets)
    keep.push_back(t);
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  keep.reserve(keep.size() + 1);
  int high = 3;
  for (int v : sources)
    high = std::max(high, v + 1);
  for (int v : targets)
    high = std::max(high, v + 1);
  std::vector<int> temps(sources.size(), -1);

  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw Error(ExitCode::kFailure, "starting " + argv0 + ": pipe: " + ::strerror(errno));
  high = std::max(high, std::max(err_pipe[0], err_pipe[1]) + 1);

  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    throw Error(ExitCode::kFailure, "starting " + argv0 + ": fork: " + ::strerror(e));
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only from here on.
    ::close(err_pipe[0]);
    int err_fd = ::fcntl(err_pipe[1], F_DUPFD_CLOEXEC, high);
    if (err_fd < 0) child_fail(err_pipe[1], 0, errno);
    ::close(err_pipe[1]);
    if (options.new_process_group) ::setpgid(0, 0);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGXFSZ, SIG_DFL);
    // Copy every source above all targets first so no dup2 clobbers a later source.
    for (std::size_t i = 0; i < sources.size(); ++i) {
      temps[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, high);
      if (temps[i] < 0) child_fail(err_fd, 0, errno);
    }
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (::dup2(temps[i], targets[i]) < 0) child_fail(err_fd, 0, errno);
    }
    // Close everything except `keep` and the error pipe (which closes itself at exec). err_fd
    // is above every kept fd, so appending it keeps the list sorted; capacity was reserved.
    keep.push_back(err_fd);
    unsigned next = 0;
    for (int k : keep) {
      if (static_cast<unsigned>(k) > next) close_fds(next, static_cast<unsigned>(k) - 1);
      next = static_cast<unsigned>(k) + 1;
    }
    close_fds(next, ~0U);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail(err_fd, 1, errno);
    ::execve(program.c_str(), argv.data(), envp.data());
    child_fail(err_fd, 2, errno);
  }

  // Parent.
  ::close(err_pipe[1]);
  if (options.new_process_group) ::setpgid(pid, pid);  // also done in the child; avoids a race
  ChildFailure failure{};
  ssize_t got;
  do {
    got = ::read(err_pipe[0], &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string msg =
        "starting " + argv0 + ": " + kSteps[failure.step] + ": " + ::strerror(failure.err);
    if (failure.step == 1) msg += " (" + cwd + ")";
    throw Error(ExitCode::kFailure, msg);
  }

  Process proc;
  proc.pid_ = pid;
  proc.own_group_ = options.new_process_group;
  proc.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (proc.pidfd_ >= 0) ::fcntl(proc.pidfd_, F_SETFD, FD_CLOEXEC);
  return proc;
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), pidfd_(other.pidfd_), own_group_(other.own_group_), status_(other.status_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
  other.status_.reset();
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    pidfd_ = other.pidfd_;
    own_group_ = other.own_group_;
    status_ = other.status_;
    other.pid_ = -1;
    other.pidfd_ = -1;
    other.status_.reset();
  }
  return *this;
}

Process::~Process() {
  release();
}

void Process::release() noexcept {
  if (pid_ > 0 && !status_) {
    try {
      terminate();
    } catch (...) {
    }
  }
  retry_close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

std::optional<int> Process::try_wait() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    status_ = status;
  } else if (r < 0 && errno == ECHILD) {
    status_ = 0;  // reaped elsewhere (e.g. SIGCHLD set to SIG_IGN): nothing more to learn
  }
  return status_;
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  if (auto s = try_wait()) return s;
  if (pid_ <= 0) return std::nullopt;
  auto deadline = clock::now() + timeout;
  auto backoff = std::chrono::microseconds(200);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      int ms = static_cast<int>(std::max<long long>(0, left.count()));
      int r = ::poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) {
        ::close(pidfd_);  // fall back to polling waitpid
        pidfd_ = -1;
      }
    } else {
      std::this_thread::sleep_for(std::min<clock::duration>(backoff, deadline - clock::now()));
      backoff = std::min(backoff * 2, std::chrono::microseconds(20000));
    }
    if (auto s = try_wait()) return s;
    if (clock::now() >= deadline) return std::nullopt;
  }
}

int Process::wait() {
  if (auto s = try_wait()) return *s;
  if (pid_ <= 0) return 0;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid_ ? status : 0;
  return *status_;
}

int Process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_.value_or(0);
  const pid_t target = own_group_ ? -pid_ : pid_;
  if (!status_) {
    ::kill(target, SIGTERM);
    wait_for(grace);
  }
  // Leftover group members (a server's children) go too, even if the leader exited by itself.
  if (own_group_ || !status_) ::kill(target, SIGKILL);
  return wait();
}

std::string describe_exit_status(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    std::string s = "killed by signal " + std::to_string(sig);
    if (abbrev) s += std::string(" (SIG") + abbrev + ")";
    if (WCOREDUMP(status)) s += ", core dumped";
    return s;
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace utvm
