// Runs a firmware in qemu-system-arm and carries the bytes of its first UART.
//
// Promises:
//  - The UART is reachable either through stdio pipes or through a loopback TCP socket
//    (QemuChannel); no byte the firmware writes before the host is ready is lost (QEMU does not
//    start the guest until the channel is connected).
//  - QEMU never outlives its owner: close() and the destructor stop it (SIGTERM, then SIGKILL to
//    its process group), and a watcher holding a "lifeline" pipe to this process kills QEMU when
//    this process dies in any way (crash, SIGKILL, Ctrl-C).
//  - It is a ByteStream: a passed deadline throws TransportTimeout; QEMU exiting or the channel
//    closing is a utvm::Error(kTransport, "QEMU closed the link ...") quoting QEMU's stderr.
// Not thread-safe, except that one thread may read while another writes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "utvm/common/subprocess.h"
#include "utvm/transport/byte_stream.h"
#include "utvm/transport/tcp.h"

namespace utvm::transport {

enum class QemuChannel {
  kStdio,      // -serial stdio: two pipes
  kTcpClient,  // we listen on 127.0.0.1:<free port>, QEMU connects (-serial tcp:...,server=off)
  kTcpServer,  // QEMU listens (-serial tcp:...,server=on,wait=on), we connect
};

// The channel open_transport uses unless told otherwise (the fastest reliable one measured; see
// docs/performance.md, section "baremetal").
QemuChannel default_qemu_channel();
const char* qemu_channel_name(QemuChannel channel);
// "stdio", "tcp" / "tcp-client", "tcp-server"; nullopt for anything else.
std::optional<QemuChannel> parse_qemu_channel(const std::string& name);

struct QemuOptions {
  std::string binary = "qemu-system-arm";
  std::string machine;  // -M, e.g. "mps2-an385"
  std::string cpu;      // -cpu, empty for the machine's default
  std::filesystem::path kernel;
  QemuChannel channel = default_qemu_channel();
  // -icount shift=N (deterministic instruction timing); nullopt = real-time clock.
  std::optional<int> icount_shift;
  bool no_reboot = false;  // a guest reset makes QEMU exit instead of rebooting
  std::vector<std::string> extra_args;
  std::chrono::milliseconds start_timeout{10000};
  // QEMU's stderr goes here; empty = a temporary file removed when the QemuProcess goes.
  std::filesystem::path log_file;
};

class QemuProcess : public ByteStream {
 public:
  // Starts QEMU and connects the channel. Throws utvm::Error(kTransport) when QEMU is missing,
  // refuses the arguments, or does not connect within start_timeout.
  explicit QemuProcess(const QemuOptions& options);
  ~QemuProcess() override;
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  // Writes all bytes before `deadline`.
  void write(std::span<const uint8_t> data,
             std::chrono::steady_clock::time_point deadline) override;
  // Waits until at least one byte is available (or `deadline`), returns how many were read (>= 1).
  size_t read(std::span<uint8_t> data, std::chrono::steady_clock::time_point deadline) override;

  int read_fd() const { return read_fd_.valid() ? read_fd_.get() : socket_.get(); }
  int write_fd() const { return write_fd_.valid() ? write_fd_.get() : socket_.get(); }

  // Stops QEMU and closes the channel; idempotent. Returns QEMU's wait status if it ran.
  std::optional<int> close();
  // QEMU's wait status once it has exited on its own, without blocking.
  std::optional<int> exit_status();
  // The wrapper process that leads QEMU's process group (its pid is the group id).
  pid_t process_group() const { return process_.pid(); }
  QemuChannel channel() const { return channel_; }
  // The last `max_bytes` of QEMU's stderr.
  std::string stderr_tail(size_t max_bytes = 2000) const;
  // The full command line QEMU was started with.
  const std::vector<std::string>& command() const { return command_; }

 private:
  [[noreturn]] void fail(const std::string& what);
  // Throws TransportTimeout(what, bytes_written), or the QEMU failure when QEMU has exited.
  [[noreturn]] void timeout(const std::string& what, std::size_t bytes_written = 0);

  QemuChannel channel_;
  std::vector<std::string> command_;
  std::filesystem::path log_file_;
  bool remove_log_ = false;
  UniqueFd lifeline_;  // write end; its closing tells the watcher to kill QEMU
  UniqueFd read_fd_, write_fd_, socket_;
  UniqueFd null_in_out_;
  Process process_;
  std::optional<int> status_;
};

}  // namespace utvm::transport
