#include "utvm/transport/qemu.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "utvm/common/error.h"

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;

// Runs QEMU ("$@") in the background and a watcher that kills it as soon as fd 3 (the read end of
// the lifeline pipe) reports EOF, i.e. when the utvm process that holds the write end is gone.
// A non-interactive shell gives background jobs /dev/null as stdin, hence the detour via fd 4.
constexpr const char* kWrapperScript = R"sh(exec 4<&0
"$@" <&4 3<&- 4<&- &
q=$!
exec 4<&-
trap 'kill -TERM $q 2>/dev/null' TERM INT HUP
(read -r _ <&3; kill -KILL $q 2>/dev/null) </dev/null >/dev/null 2>&1 &
w=$!
exec 3<&-
wait $q
s=$?
kill $w 2>/dev/null
exit $s
)sh";

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

void make_pipe(UniqueFd& read_end, UniqueFd& write_end, const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ExitCode::kTransport,
                fmt::format("creating the {} pipe: {}", what, std::strerror(errno)));
  }
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

}  // namespace

// Measured (docs/performance.md, "baremetal"): stdio pipes echo 2-3x faster than either TCP mode
// and without TCP's occasional one-second stalls.
QemuChannel default_qemu_channel() {
  return QemuChannel::kStdio;
}

const char* qemu_channel_name(QemuChannel channel) {
  switch (channel) {
    case QemuChannel::kStdio:
      return "stdio";
    case QemuChannel::kTcpClient:
      return "tcp-client";
    case QemuChannel::kTcpServer:
      return "tcp-server";
  }
  return "?";
}

std::optional<QemuChannel> parse_qemu_channel(const std::string& name) {
  if (name == "stdio") return QemuChannel::kStdio;
  if (name == "tcp" || name == "tcp-client") return QemuChannel::kTcpClient;
  if (name == "tcp-server") return QemuChannel::kTcpServer;
  return std::nullopt;
}

QemuProcess::QemuProcess(const QemuOptions& options) : channel_(options.channel) {
  if (options.machine.empty()) throw Error(ExitCode::kTransport, "QEMU: no machine given");
  if (!std::filesystem::is_regular_file(options.kernel)) {
    throw Error(ExitCode::kTransport,
                fmt::format("QEMU: firmware image {} does not exist", options.kernel.string()));
  }

  log_file_ = options.log_file;
  if (log_file_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "utvm-qemu-XXXXXX.log").string();
    int fd = ::mkstemps(tmpl.data(), 4);
    if (fd < 0) {
      throw Error(ExitCode::kTransport,
                  fmt::format("creating QEMU's log file: {}", std::strerror(errno)));
    }
    ::close(fd);
    log_file_ = tmpl;
    remove_log_ = true;
  }
  // A constructor that throws never runs the destructor: remove our own log here then (its tail
  // is already in the error message). Tests starting QEMUs that fail left one per failure.
  struct RemoveLogOnThrow {
    const std::filesystem::path& path;
    bool armed;
    int exceptions = std::uncaught_exceptions();
    ~RemoveLogOnThrow() {
      std::error_code ec;
      if (armed && std::uncaught_exceptions() > exceptions) std::filesystem::remove(path, ec);
    }
  } remove_on_throw{log_file_, remove_log_};
  UniqueFd log(::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!log.valid()) {
    throw Error(ExitCode::kTransport, fmt::format("opening QEMU's log file {}: {}",
                                                  log_file_.string(), std::strerror(errno)));
  }

  command_ = {options.binary, "-M", options.machine};
  if (!options.cpu.empty()) command_.insert(command_.end(), {"-cpu", options.cpu});
  command_.insert(command_.end(), {"-nodefaults", "-display", "none", "-monitor", "none"});

  SpawnOptions spawn;
  std::optional<TcpListener> listener;
  uint16_t server_port = 0;
  UniqueFd child_in, child_out;
  switch (channel_) {
    case QemuChannel::kStdio:
      make_pipe(child_in, write_fd_, "QEMU stdin");
      make_pipe(read_fd_, child_out, "QEMU stdout");
      command_.insert(command_.end(), {"-serial", "stdio"});
      spawn.stdin_fd = child_in.get();
      spawn.stdout_fd = child_out.get();
      break;
    case QemuChannel::kTcpClient:
      listener = TcpListener::listen_loopback();
      command_.insert(command_.end(),
                      {"-serial", fmt::format("tcp:127.0.0.1:{},nodelay=on", listener->port())});
      break;
    case QemuChannel::kTcpServer: {
      // Ask the kernel for a free port, then let QEMU bind it (a small race, retried below).
      TcpListener probe = TcpListener::listen_loopback();
      server_port = probe.port();
      probe.close();
      command_.insert(
          command_.end(),
          {"-serial", fmt::format("tcp:127.0.0.1:{},server=on,wait=on,nodelay=on", server_port)});
      break;
    }
  }
  if (channel_ != QemuChannel::kStdio) {
    null_in_out_ = UniqueFd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    spawn.stdin_fd = null_in_out_.get();
    spawn.stdout_fd = null_in_out_.get();
  }
  if (options.icount_shift) {
    command_.insert(command_.end(), {"-icount", fmt::format("shift={}", *options.icount_shift)});
  }
  if (options.no_reboot) command_.push_back("-no-reboot");
  command_.insert(command_.end(), options.extra_args.begin(), options.extra_args.end());
  command_.insert(command_.end(), {"-kernel", options.kernel.string()});

  UniqueFd lifeline_read;
  make_pipe(lifeline_read, lifeline_, "lifeline");

  spawn.argv = {"/bin/sh", "-c", kWrapperScript, "utvm-qemu"};
  spawn.argv.insert(spawn.argv.end(), command_.begin(), command_.end());
  spawn.stderr_fd = log.get();
  spawn.keep_fds = {{3, lifeline_read.get()}};
  spawn.new_process_group = true;
  try {
    process_ = Process::spawn(spawn);
  } catch (const Error& e) {
    throw Error(ExitCode::kTransport, fmt::format("starting QEMU: {}", e.what()));
  }
  child_in.reset();
  child_out.reset();
  // Our ends never block: poll() decides when to read or write, so deadlines hold.
  for (int fd : {read_fd_.get(), write_fd_.get()}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ignore_sigpipe();  // a write to a pipe whose reader (QEMU) is gone fails with EPIPE
  lifeline_read.reset();
  null_in_out_.reset();

  auto deadline = Clock::now() + options.start_timeout;
  if (channel_ == QemuChannel::kTcpClient) {
    // Accept in short slices so a QEMU that fails at once is reported at once.
    for (;;) {
      if (auto st = process_.try_wait()) {
        status_ = st;
        fail(fmt::format("QEMU -M {} exited before connecting its UART ({})", options.machine,
                         describe_exit_status(*st)));
      }
      auto slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(100));
      try {
        socket_ = listener->accept(slice, "QEMU's UART");
        break;
      } catch (const Error&) {
        if (Clock::now() >= deadline)
          fail(fmt::format("QEMU -M {} did not connect its UART in time", options.machine));
      }
    }
  } else if (channel_ == QemuChannel::kTcpServer) {
    for (;;) {
      if (auto st = process_.try_wait()) {
        status_ = st;
        fail(fmt::format("QEMU -M {} exited before opening its UART socket ({})", options.machine,
                         describe_exit_status(*st)));
      }
      try {
        socket_ = tcp_connect("127.0.0.1", server_port,
                              std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
        break;
      } catch (const Error&) {
        if (Clock::now() >= deadline) fail("could not connect to QEMU's UART socket in time");
      }
    }
  }
}

QemuProcess::~QemuProcess() {
  close();
  if (remove_log_) {
    std::error_code ec;
    std::filesystem::remove(log_file_, ec);
  }
}

std::optional<int> QemuProcess::close() {
  read_fd_.reset();
  write_fd_.reset();
  socket_.reset();
  if (process_.valid()) {
    int st = process_.terminate(std::chrono::milliseconds(1000));
    if (!status_) status_ = st;
  }
  lifeline_.reset();
  return status_;
}

std::optional<int> QemuProcess::exit_status() {
  if (!status_ && process_.valid()) status_ = process_.try_wait();
  return status_;
}

std::string QemuProcess::stderr_tail(size_t max_bytes) const {
  std::ifstream in(log_file_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text.replace(0, text.size() - max_bytes, "...");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

void QemuProcess::fail(const std::string& what) {
  std::string tail = stderr_tail();
  if (tail.empty()) throw Error(ExitCode::kTransport, what);
  throw Error(ExitCode::kTransport, fmt::format("{}; QEMU said: {}", what, tail));
}

void QemuProcess::timeout(const std::string& what, std::size_t bytes_written) {
  if (auto st = exit_status()) {
    fail(fmt::format("{}: QEMU closed the link (QEMU {})", what, describe_exit_status(*st)));
  }
  throw TransportTimeout(what, bytes_written);
}

void QemuProcess::write(std::span<const uint8_t> data, Clock::time_point deadline) {
  int fd = write_fd();
  if (fd < 0) throw Error(ExitCode::kTransport, "writing to QEMU's UART: the channel is closed");
  size_t done = 0;
  while (done < data.size()) {
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(fmt::format("writing to QEMU's UART: {}", std::strerror(errno)));
    if (r == 0 && Clock::now() < deadline) continue;  // poll's wait is capped
    if (r == 0) {
      timeout(
          fmt::format("timed out writing to QEMU's UART ({} of {} bytes sent)", done, data.size()),
          done);
    }
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == ENOTSOCK) n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (auto st = exit_status()) {
        fail(fmt::format("writing to QEMU's UART: QEMU closed the link (QEMU {})",
                         describe_exit_status(*st)));
      }
      fail(fmt::format("writing to QEMU's UART: {}", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
}

size_t QemuProcess::read(std::span<uint8_t> data, Clock::time_point deadline) {
  int fd = read_fd();
  if (fd < 0) throw Error(ExitCode::kTransport, "reading from QEMU's UART: the channel is closed");
  if (data.empty()) return 0;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(fmt::format("reading from QEMU's UART: {}", std::strerror(errno)));
    if (r == 0 && Clock::now() < deadline) continue;  // poll's wait is capped
    if (r == 0) timeout("timed out waiting for the device on QEMU's UART");
    ssize_t n = ::read(fd, data.data(), data.size());
    if (n > 0) return static_cast<size_t>(n);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n == 0) {
      // EOF: QEMU closed the channel, usually because it exited.
      auto st = process_.wait_for(std::chrono::milliseconds(500));
      if (st) status_ = st;
      fail(st ? fmt::format("QEMU closed the link (QEMU {})", describe_exit_status(*st))
              : std::string("QEMU closed the link"));
    }
    fail(fmt::format("reading from QEMU's UART: {}", std::strerror(errno)));
  }
}

}  // namespace utvm::transport
