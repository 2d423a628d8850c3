// The host side of utvm's link protocol: drives a device program (any ByteStream) through
// hello / set_input / run / get_output / reset. docs/link-protocol.md describes the wire format.
// Promises:
//  - Damaged or lost frames are retried (each request is idempotent) up to
//    LinkConfig::max_attempts; then utvm::Error(kTransport) says which request failed and why.
//  - A device that dies mid-request gives utvm::Error(kTransport, "... closed the link").
//  - Errors the device reports (bad index, model run failed, workspace exhausted) are
//    DeviceError, with the device's code; they are never retried.
// One LinkClient per stream, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "utvm/common/error.h"
#include "utvm/link/frame.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::link {

struct LinkConfig {
  std::chrono::milliseconds reply_timeout{2000};  // per attempt, all requests but RUN
  std::chrono::milliseconds run_timeout{120000};  // per attempt, RUN (covers the model's runs)
  int max_attempts = 5;                           // sends per request (first try + retries)
  std::size_t output_chunk = 16384;               // bytes per GET_OUTPUT request
  // infer() may send all its requests in one write. Only for streams that buffer (pipes, TCP);
  // a UART device with a small receive FIFO would drop bytes.
  bool pipeline = false;
  // With pipeline: SET_INPUT / GET_OUTPUT chunks in flight at once (bulk transfers).
  std::size_t window = 4;
};

struct TensorInfo {
  std::string name;
  std::string dtype;  // "float32", "int8", "uint8", "bool", "float16x4" ...
  std::vector<std::int64_t> shape;
  std::uint32_t nbytes = 0;
  std::uint8_t dtype_code = 0;  // DLPack: 0 int, 1 uint, 2 float, 4 bfloat
  std::uint8_t dtype_bits = 0;
  std::uint16_t dtype_lanes = 1;
};

// One module of the firmware, as HELLO lists them.
struct ModuleSummary {
  std::string name;
  std::uint16_t inputs = 0, outputs = 0;
};

struct DeviceInfo {
  std::string model_name;  // the selected module's; inputs/outputs below are its tensors
  std::string build_id;
  unsigned protocol_version = 0;
  std::size_t max_payload = 0;  // largest request payload the device accepts
  std::uint32_t workspace_bytes = 0;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::vector<ModuleSummary> modules;  // every module of the firmware (one for v1 firmware)
  std::size_t module_index = 0;        // the selected one
};

// Device-measured wall time of each run, in nanoseconds.
struct RunStats {
  std::vector<std::uint64_t> run_ns;
  std::uint32_t workspace_bytes = 0;       // the device's arena size
  std::uint32_t workspace_high_water = 0;  // most of it the model used so far
  std::uint64_t total_ns() const;
  std::uint64_t min_ns() const;
  std::uint64_t max_ns() const;
  double mean_ns() const;
};

// What the link had to repair so far.
struct LinkCounters {
  std::uint64_t requests = 0;
  std::uint64_t retransmits = 0;
  std::uint64_t bad_frames = 0;    // responses that failed their CRC
  std::uint64_t naks = 0;          // requests the device received damaged
  std::uint64_t timeouts = 0;      // attempts with no answer in time
  std::uint64_t stale_frames = 0;  // answers to earlier attempts, dropped
  std::uint64_t flushes = 0;       // filler runs sent after a timeout (see send())
};

// An error the device reported in answer to a request.
class DeviceError : public Error {
 public:
  DeviceError(ExitCode code, const std::string& message, std::uint16_t device_code,
              std::int32_t detail)
      : Error(code, message), device_code_(device_code), detail_(detail) {}
  std::uint16_t device_code() const { return device_code_; }  // UTVM_LINK_ERR_*
  std::int32_t detail() const { return detail_; }

 private:
  std::uint16_t device_code_;
  std::int32_t detail_;
};

class LinkClient {
 public:
  explicit LinkClient(transport::ByteStream& stream, LinkConfig config = {});

  // Handshake: protocol version, the firmware's modules, and the selected module's name, build
  // id, inputs and outputs. Other calls do it first if it has not happened yet.
  DeviceInfo hello();
  // Addresses module `name` of a multi-module firmware from the next hello() on (default: the
  // first module). hello() throws Error(kUsage) listing the modules when there is no such one.
  void select_module(std::string name);
  const DeviceInfo& info();

  // Sends a whole input tensor (its size must be the tensor's nbytes), in chunks that fit the
  // device's receive buffer.
  void set_input(std::uint16_t index, std::span<const std::uint8_t> data);
  // Runs the model count times on the device; per-run device-measured times.
  RunStats run(std::uint32_t count);
  // Reads a whole output tensor.
  std::vector<std::uint8_t> get_output(std::uint16_t index);
  void get_output(std::uint16_t index, std::span<std::uint8_t> out);
  // One inference: every input, `runs` runs, every output. With LinkConfig::pipeline and small
  // tensors the requests leave in one write (one round trip); any trouble falls back to the
  // step-by-step calls above.
  RunStats infer(std::span<const std::span<const std::uint8_t>> inputs,
                 std::span<const std::span<std::uint8_t>> outputs, std::uint32_t runs = 1);
  // Asks the device to reset (clears inputs, outputs and the workspace; an MCU reboots). The
  // next call says HELLO again, selecting this client's module once more.
  void reset();
  // After a session's work: asks the device (one HELLO) whether it still holds this session.
  // Throws Error(kTransport) when it reset since hello() (a brown-out, a watchdog, a reflash):
  // its inputs were lost, so outputs read since may be wrong. No-op before hello() and for
  // firmware that predates session tokens.
  void check_session();

  const LinkCounters& counters() const { return counters_; }

 private:
  Frame transact(std::uint8_t type, std::span<const std::uint8_t> head,
                 std::span<const std::uint8_t> body, std::chrono::milliseconds timeout);
  const TensorInfo& tensor(bool output, std::uint16_t index);
  struct Request {
    std::uint8_t head[10];
    std::size_t head_len;
    std::span<const std::uint8_t> body;
  };
  // Sends requests of one type, up to `window` at a time when pipelining, calling on_answer(i,
  // frame) in order; any trouble in a window falls back to transact() for the first unanswered.
  void transact_all(std::uint8_t type, const std::vector<Request>& requests,
                    const std::function<void(std::size_t, const Frame&)>& on_answer);
  void parse_run(std::span<const std::uint8_t> payload, std::uint32_t batch, RunStats& stats);
  // Sends HELLO with this client's session token and parses the answer into `info` (without the
  // tensor tables); returns the token the device held before, when it reports one.
  std::optional<std::uint32_t> hello_frame(DeviceInfo& info);
  // Writes tx_. After a timeout it first writes a run of zero bytes as long as the device's
  // receive buffer: a device stuck filling a frame whose header was forged by line noise (it
  // passes the 8-bit header check 1 time in 256) completes it, NAKs it and hunts for SYNC again,
  // so the resent request is read whole. Zeros are never SYNC, so an idle device skips them.
  void send(std::chrono::steady_clock::time_point deadline);
  // What every attempt that ran out of time does: counts it, abandons a partial answer and
  // arms the filler for the next send().
  void timed_out();
  bool try_pipelined(std::span<const std::span<const std::uint8_t>> inputs,
                     std::span<const std::span<std::uint8_t>> outputs, std::uint32_t runs,
                     RunStats& stats);

  transport::ByteStream& stream_;
  LinkConfig config_;
  FrameDecoder decoder_;
  std::vector<std::uint8_t> tx_;
  std::uint8_t next_seq_ = 0;
  std::uint32_t session_;  // non-zero, random per client (docs/link-protocol.md, Device resets)
  std::uint8_t module_index_ = 0;             // sent with every HELLO
  std::optional<std::string> wanted_module_;  // select_module()
  bool have_info_ = false;
  bool flush_pending_ = false;
  DeviceInfo info_;
  LinkCounters counters_;
};

// "float32" for (2, 32, 1); "bool" for (1, 1, 1); lanes > 1 append "x<lanes>".
std::string dtype_name(std::uint8_t code, std::uint8_t bits, std::uint16_t lanes);

}  // namespace utvm::link
