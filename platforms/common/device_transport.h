// The device end of a built-in platform's Project API transport, written once for every
// platform: a handler opens its device's byte stream its own way (pipes to a program, QEMU,
// simavr, a serial port) and hands it over; open_transport's reply, close_transport,
// read_transport and write_transport are then this class's.
//
// Promises:
//  - open() reports real TransportTimeouts for the medium (never all zero), so a TVM client that
//    gets no answer gives up instead of waiting forever.
//  - read()/write() follow the Project API: no stream is TransportClosedError, a passed deadline
//    (timeout_sec; null waits forever) is IoTimeoutError, a device that went away is closed and
//    TransportClosedError.
//  - While waiting on the device they check project_api::client_gone() a few times a second: when
//    the client has gone the device is closed (its process stopped) and TransportClosedError
//    thrown, so the server ends instead of waiting on a device nobody will read.
//  - TVM's RPC session start (tvm.micro.Session, `tvmc run --device micro`) at the start of the
//    written bytes never reaches the device: write() throws a ServerError saying the firmware
//    speaks utvm's link protocol and to use `utvm run`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/tvm_session_sniffer.h"
#include "utvm/common/subprocess.h"
#include "utvm/project_api/messages.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::platforms {

class DeviceTransport {
 public:
  // What carries the bytes; decides the timeouts reported to the client.
  enum class Medium {
    kPipe,      // a native program on pipes (host): answers at once
    kEmulator,  // QEMU or simavr: slower start, slower replies
    kSerial,    // a real board's UART
  };

  // `project_dir` is named in the message that refuses TVM's session start.
  explicit DeviceTransport(std::filesystem::path project_dir);
  ~DeviceTransport();
  DeviceTransport(const DeviceTransport&) = delete;
  DeviceTransport& operator=(const DeviceTransport&) = delete;

  // Takes over `stream` and, when the device is a program of its own that the stream does not
  // stop (a simulator on pipes), `process`; returns what open_transport replies.
  project_api::TransportTimeouts open(std::unique_ptr<transport::ByteStream> stream, Medium medium,
                                      std::optional<Process> process = std::nullopt);
  // Closes the stream, then waits a moment for `process` to exit on its own before stopping it.
  // A no-op when not open.
  void close();
  bool is_open() const { return stream_ != nullptr; }
  // The device program given to open(), while it runs (for tests); nullopt otherwise.
  std::optional<pid_t> process_id() const;

  std::vector<std::uint8_t> read(std::size_t n, std::optional<double> timeout_sec);
  void write(std::span<const std::uint8_t> data, std::optional<double> timeout_sec);

  // The timeouts open() reports for `medium` (TVM's meaning: seconds, 0 disables one).
  static project_api::TransportTimeouts timeouts_for(Medium medium);
  // How long one wait on the device lasts before client_gone() is asked again.
  static constexpr std::chrono::milliseconds kClientCheckInterval{200};

 private:
  void send(std::span<const std::uint8_t> data, std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void client_went_away();
  [[noreturn]] void refuse_tvm_session();

  std::filesystem::path project_dir_;
  std::unique_ptr<transport::ByteStream> stream_;
  std::optional<Process> process_;
  TvmSessionStartSniffer sniffer_;
  std::vector<std::uint8_t> held_;  // written while the sniffer was undecided
  bool tvm_session_ = false;        // TVM's session start was seen since open()
};

}  // namespace utvm::platforms
