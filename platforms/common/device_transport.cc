#include "common/device_transport.h"

#include <algorithm>
#include <cstdio>

#include <fmt/core.h>

#include "utvm/project_api/errors.h"
#include "utvm/project_api/server.h"

namespace utvm::platforms {
namespace api = utvm::project_api;
using Clock = std::chrono::steady_clock;

namespace {

Clock::time_point deadline_after(std::optional<double> timeout_sec) {
  if (!timeout_sec) return Clock::time_point::max();
  const double s = std::max(0.0, *timeout_sec);
  return Clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(s * 1e6));
}

// The end of the next wait: the deadline, or sooner so client_gone() is asked again.
Clock::time_point slice_end(Clock::time_point deadline) {
  const auto now = Clock::now();
  return deadline - now > DeviceTransport::kClientCheckInterval
             ? now + DeviceTransport::kClientCheckInterval
             : deadline;
}

}  // namespace

DeviceTransport::DeviceTransport(std::filesystem::path project_dir)
    : project_dir_(std::move(project_dir)) {}

DeviceTransport::~DeviceTransport() {
  close();
}

api::TransportTimeouts DeviceTransport::timeouts_for(Medium medium) {
  // TVM's own servers reported 2/5/5 for serial boards and 2/10/10 for QEMU; a program on pipes
  // answers at once, but a model's run still needs time.
  switch (medium) {
    case Medium::kPipe:
      return {1.0, 5.0, 10.0};
    case Medium::kEmulator:
      return {2.0, 10.0, 10.0};
    case Medium::kSerial:
      return {2.0, 5.0, 5.0};
  }
  return {2.0, 10.0, 10.0};
}

api::TransportTimeouts DeviceTransport::open(std::unique_ptr<transport::ByteStream> stream,
                                             Medium medium, std::optional<Process> process) {
  close();
  stream_ = std::move(stream);
  process_ = std::move(process);
  return timeouts_for(medium);
}

void DeviceTransport::close() {
  stream_.reset();  // closes pipes or the port: a device program sees EOF
  if (process_) {
    if (process_->valid() && !process_->wait_for(std::chrono::milliseconds(200))) {
      process_->terminate(std::chrono::milliseconds(200));
    }
    process_.reset();
  }
  sniffer_.reset();
  held_.clear();
  tvm_session_ = false;
}

std::optional<pid_t> DeviceTransport::process_id() const {
  if (process_ && process_->valid()) return process_->pid();
  return std::nullopt;
}

void DeviceTransport::client_went_away() {
  std::fprintf(stderr,
               "utvm-server: the client went away during a transport call; stopping the "
               "device\n");
  close();
  throw api::TransportClosedError();
}

void DeviceTransport::refuse_tvm_session() {
  throw api::ServerError(fmt::format(
      "TVM's RPC session start (tvm.micro.Session, as `tvmc run --device micro` sends it) "
      "reached a utvm project: its firmware speaks utvm's link protocol, not TVM's RPC, so it "
      "would never answer. Run the model with utvm instead: `utvm run {}` (it takes tvmc's "
      "arguments, e.g. --device micro -i inputs.npz --print-top 5)",
      project_dir_.string()));
}

std::vector<std::uint8_t> DeviceTransport::read(std::size_t n, std::optional<double> timeout_sec) {
  if (!stream_) throw api::TransportClosedError();
  const auto deadline = deadline_after(timeout_sec);
  std::vector<std::uint8_t> out(n);
  if (n == 0) return out;
  for (;;) {
    try {
      out.resize(stream_->read(out, slice_end(deadline)));
      return out;
    } catch (const transport::TransportTimeout&) {
      if (Clock::now() >= deadline) throw api::IoTimeoutError();
      if (api::client_gone()) client_went_away();
    } catch (const Error&) {
      close();
      throw api::TransportClosedError();
    }
  }
}

void DeviceTransport::write(std::span<const std::uint8_t> data, std::optional<double> timeout_sec) {
  if (!stream_) throw api::TransportClosedError();
  if (tvm_session_) refuse_tvm_session();
  const auto deadline = deadline_after(timeout_sec);
  if (sniffer_.verdict() == TvmSessionStartSniffer::Verdict::kUndecided) {
    held_.insert(held_.end(), data.begin(), data.end());
    switch (sniffer_.feed(data)) {
      case TvmSessionStartSniffer::Verdict::kTvm:
        tvm_session_ = true;
        held_.clear();
        refuse_tvm_session();
      case TvmSessionStartSniffer::Verdict::kUndecided:
        return;  // held until the sniffer decides (a few dozen bytes at most)
      case TvmSessionStartSniffer::Verdict::kNotTvm:
        break;
    }
    const std::vector<std::uint8_t> held = std::move(held_);
    held_.clear();
    send(held, deadline);
    return;
  }
  send(data, deadline);
}

void DeviceTransport::send(std::span<const std::uint8_t> data, Clock::time_point deadline) {
  while (!data.empty()) {
    try {
      stream_->write(data, slice_end(deadline));
      return;
    } catch (const transport::TransportTimeout& t) {
      data = data.subspan(std::min(t.bytes_written(), data.size()));
      if (data.empty()) return;
      if (Clock::now() >= deadline) throw api::IoTimeoutError();
      if (api::client_gone()) client_went_away();
    } catch (const Error&) {
      close();
      throw api::TransportClosedError();
    }
  }
}

}  // namespace utvm::platforms
