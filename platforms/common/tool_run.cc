#include "common/tool_run.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "common/files.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
namespace api = utvm::project_api;

std::optional<fs::path> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  if (auto found = find_in_path(program, path)) return fs::path(*found);
  return std::nullopt;
}

int run_logged(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
               const std::vector<std::pair<std::string, std::string>>& env) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw api::ServerError(fmt::format("cannot write {}", log.string()));
  std::string line = "$";
  for (const auto& a : argv)
    line += " " + a;
  line += "\n";
  if (::write(fd, line.data(), line.size()) < 0) {
    // the log is a convenience; the command still runs
  }
  if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
  }
  // The tool writes into a pipe copied to the log and to the server's stderr: the CLI's step log
  // (utvm-build.log, the file it names) or, with --verbose, the terminal.
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(fd);
    throw api::ServerError(fmt::format("cannot run {}: no pipe", argv.empty() ? "" : argv[0]));
  }
  SpawnOptions spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.stdout_fd = out[1];
  spec.stderr_fd = out[1];
  spec.extra_env = env;
  spec.new_process_group = false;  // Ctrl-C reaches the build tools with the server
  std::optional<int> status;
  Process p;
  try {
    p = Process::spawn(spec);
  } catch (const Error& e) {
    ::close(out[0]);
    ::close(out[1]);
    ::close(fd);
    throw api::ServerError(e.what());
  }
  ::close(out[1]);
  {
    // Until the tool exits (a helper it leaves behind may keep the pipe open: not waited for).
    // The copies are a convenience: a failed write loses output, the tool still runs.
    auto copy_out = [fd](const char* data, std::size_t n) {
      if (::write(fd, data, n) < 0) {
      }
      if (::write(STDERR_FILENO, data, n) < 0) {
      }
    };
    char buf[16384];
    for (;;) {
      pollfd pfd{out[0], POLLIN, 0};
      const int ready = ::poll(&pfd, 1, 100);
      if (ready > 0) {
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n > 0) {
          copy_out(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) break;  // EOF or a broken pipe
      }
      if (ready < 0 && errno != EINTR) break;
      if ((status = p.try_wait())) {
        // Drain what is already buffered, then stop.
        ssize_t n;
        while (::poll(&pfd, 1, 0) > 0 && (n = ::read(out[0], buf, sizeof buf)) > 0) {
          copy_out(buf, static_cast<std::size_t>(n));
        }
        break;
      }
    }
    ::close(out[0]);
    ::close(fd);
    if (!status) status = p.wait();
  }
  return *status;
}

void step_failed(const std::string& step, int status, const fs::path& log) {
  throw api::ServerError(fmt::format("{} failed ({}); log {}:\n{}", step,
                                     describe_exit_status(status), log.string(),
                                     tail(read_file(log))));
}

}  // namespace utvm::platforms
