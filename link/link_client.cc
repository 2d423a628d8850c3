#include "utvm/link/link_client.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "utvm/link_proto.h"

namespace utvm::link {
namespace {

using Clock = std::chrono::steady_clock;

const char* command_name(std::uint8_t type) {
  switch (type) {
    case UTVM_LINK_CMD_HELLO:
      return "HELLO";
    case UTVM_LINK_CMD_TENSOR_INFO:
      return "TENSOR_INFO";
    case UTVM_LINK_CMD_SET_INPUT:
      return "SET_INPUT";
    case UTVM_LINK_CMD_RUN:
      return "RUN";
    case UTVM_LINK_CMD_GET_OUTPUT:
      return "GET_OUTPUT";
    case UTVM_LINK_CMD_RESET:
      return "RESET";
    default:
      return "request";
  }
}

const char* device_error_name(std::uint16_t code) {
  switch (code) {
    case UTVM_LINK_ERR_BAD_CRC:
      return "frame damaged";
    case UTVM_LINK_ERR_TOO_LONG:
      return "frame longer than the device's receive buffer";
    case UTVM_LINK_ERR_UNKNOWN_COMMAND:
      return "unknown command";
    case UTVM_LINK_ERR_BAD_LENGTH:
      return "malformed request";
    case UTVM_LINK_ERR_BAD_INDEX:
      return "no such tensor";
    case UTVM_LINK_ERR_OUT_OF_RANGE:
      return "offset or length outside the tensor";
    case UTVM_LINK_ERR_RUN_FAILED:
      return "model run failed";
    case UTVM_LINK_ERR_WORKSPACE_EXHAUSTED:
      return "workspace exhausted";
    case UTVM_LINK_ERR_BAD_COUNT:
      return "bad run count";
    default:
      return "unknown device error";
  }
}

// Little-endian reader over a response payload; throws on short payloads.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> p, const char* what) : p_(p), what_(what) {}
  std::uint64_t le(unsigned n) {
    need(n);
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(p_[at_ + i]) << (8 * i);
    at_ += n;
    return v;
  }
  std::string str() {
    std::size_t n = le(1);
    need(n);
    std::string s(reinterpret_cast<const char*>(p_.data() + at_), n);
    at_ += n;
    return s;
  }
  void done() const {
    if (at_ != p_.size()) bad();
  }
  std::size_t remaining() const { return p_.size() - at_; }

 private:
  void need(std::size_t n) const {
    if (p_.size() - at_ < n) bad();
  }
  [[noreturn]] void bad() const {
    throw Error(
        ExitCode::kTransport,
        fmt::format("link: malformed {} answer from the device ({} bytes)", what_, p_.size()));
  }
  std::span<const std::uint8_t> p_;
  std::size_t at_ = 0;
  const char* what_;
};

template <std::size_t N>
struct Le {
  std::uint8_t b[N];
  std::size_t n = 0;
  Le& put(std::uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
      b[n++] = static_cast<std::uint8_t>(v >> (8 * i));
    return *this;
  }
  std::span<const std::uint8_t> span() const { return {b, n}; }
};

}  // namespace

std::uint64_t RunStats::total_ns() const {
  std::uint64_t t = 0;
  for (auto v : run_ns)
    t += v;
  return t;
}
std::uint64_t RunStats::min_ns() const {
  return run_ns.empty() ? 0 : *std::min_element(run_ns.begin(), run_ns.end());
}
std::uint64_t RunStats::max_ns() const {
  return run_ns.empty() ? 0 : *std::max_element(run_ns.begin(), run_ns.end());
}
double RunStats::mean_ns() const {
  return run_ns.empty() ? 0.0 : static_cast<double>(total_ns()) / run_ns.size();
}

std::string dtype_name(std::uint8_t code, std::uint8_t bits, std::uint16_t lanes) {
  std::string base;
  switch (code) {
    case 0:
      base = "int";
      break;
    case 1:
      base = bits == 1 ? "bool" : "uint";
      break;
    case 2:
      base = "float";
      break;
    case 4:
      base = "bfloat";
      break;
    default:
      base = fmt::format("custom{}_", code);
      break;
  }
  if (base != "bool") base += std::to_string(bits);
  if (lanes > 1) base += fmt::format("x{}", lanes);
  return base;
}

LinkClient::LinkClient(transport::ByteStream& stream, LinkConfig config)
    : stream_(stream), config_(config) {
  std::random_device entropy;
  do {
    session_ = entropy();
  } while (session_ == 0);  // zero is what a freshly booted device holds
  if (config_.max_attempts < 1) config_.max_attempts = 1;
  if (config_.output_chunk == 0 || config_.output_chunk > UTVM_LINK_MAX_PAYLOAD) {
    config_.output_chunk = UTVM_LINK_MAX_PAYLOAD;
  }
}

void LinkClient::timed_out() {
  ++counters_.timeouts;
  decoder_.abandon_partial_frame();
  flush_pending_ = true;
}

void LinkClient::send(Clock::time_point deadline) {
  if (flush_pending_) {
    // Before HELLO has told the receive buffer's size: enough for the MCU ports (64-256 bytes).
    constexpr std::size_t kUnknownBuffer = 256;
    const std::size_t n =
        (have_info_ ? info_.max_payload : kUnknownBuffer) + UTVM_LINK_TRAILER_BYTES;
    const std::vector<std::uint8_t> filler(n, 0);
    static_assert(UTVM_LINK_SYNC != 0);
    stream_.write(filler, deadline);
    ++counters_.flushes;
    flush_pending_ = false;
  }
  stream_.write(tx_, deadline);
}

Frame LinkClient::transact(std::uint8_t type, std::span<const std::uint8_t> head,
                           std::span<const std::uint8_t> body, std::chrono::milliseconds timeout) {
  const std::uint8_t seq = next_seq_++;
  tx_.clear();
  append_frame(tx_, seq, type, head, body);
  ++counters_.requests;
  std::string last_problem = "no answer";
  for (int attempt = 1; attempt <= config_.max_attempts; ++attempt) {
    if (attempt > 1) ++counters_.retransmits;
    const auto deadline = Clock::now() + timeout;
    try {
      send(deadline);
      for (bool retry = false; !retry;) {
        Frame f;
        switch (decoder_.next(f)) {
          case FrameDecoder::Status::kNeedMore: {
            auto area = decoder_.write_area(64 * 1024);
            decoder_.commit(stream_.read(area, deadline));
            break;
          }
          case FrameDecoder::Status::kBadFrame:
            ++counters_.bad_frames;
            last_problem = "a damaged answer (bad CRC)";
            retry = true;
            break;
          case FrameDecoder::Status::kFrame: {
            if (f.seq != seq) {
              ++counters_.stale_frames;
              break;
            }
            if (f.type == UTVM_LINK_TYPE_NAK) {
              Reader r(f.payload, "NAK");
              auto code = static_cast<std::uint16_t>(r.le(2));
              // TOO_LONG is final when our frame really exceeds the device's buffer; otherwise
              // it answers noise that looked like our header, and a retry fixes it.
              const std::size_t limit = have_info_ ? info_.max_payload : 14;
              if (code == UTVM_LINK_ERR_TOO_LONG &&
                  tx_.size() - UTVM_LINK_HEADER_BYTES - UTVM_LINK_TRAILER_BYTES > limit) {
                throw DeviceError(
                    ExitCode::kTransport,
                    fmt::format("link: {}: the device refused a {}-byte frame: {}",
                                command_name(type), tx_.size(), device_error_name(code)),
                    code, 0);
              }
              ++counters_.naks;
              last_problem = "the device received the request damaged (NAK)";
              retry = true;
              break;
            }
            if (f.type == UTVM_LINK_TYPE_ERROR) {
              Reader r(f.payload, "ERROR");
              r.le(1);
              auto code = static_cast<std::uint16_t>(r.le(2));
              auto detail = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.le(4)));
              throw DeviceError(
                  ExitCode::kFailure,
                  fmt::format("link: {}: the device reported: {} (code {}, detail {})",
                              command_name(type), device_error_name(code), code, detail),
                  code, detail);
            }
            if (f.type != (type | UTVM_LINK_RESPONSE)) {
              throw Error(ExitCode::kTransport,
                          fmt::format("link: {}: the device answered with frame type 0x{:02x}",
                                      command_name(type), f.type));
            }
            return f;
          }
        }
      }
    } catch (const transport::TransportTimeout& e) {
      timed_out();
      last_problem = fmt::format("no answer within {} ms", timeout.count());
    } catch (const DeviceError&) {
      throw;
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("link: {}: {}", command_name(type), e.what()));
    }
  }
  throw Error(ExitCode::kTransport,
              fmt::format("link: {} failed after {} attempts: {}", command_name(type),
                          config_.max_attempts, last_problem));
}

std::optional<std::uint32_t> LinkClient::hello_frame(DeviceInfo& info) {
  Le<6> req;
  req.put(UTVM_LINK_PROTOCOL_VERSION, 1).put(session_, 4).put(module_index_, 1);
  Frame f = transact(UTVM_LINK_CMD_HELLO, req.span(), {}, config_.reply_timeout);
  Reader r(f.payload, "HELLO");
  info.protocol_version = static_cast<unsigned>(r.le(1));
  // Version 1 firmware has one module and no module table; it ignores the module byte.
  constexpr unsigned kOldestProtocol = 1;
  if (info.protocol_version < kOldestProtocol ||
      info.protocol_version > UTVM_LINK_PROTOCOL_VERSION) {
    throw Error(ExitCode::kTransport,
                fmt::format("link: the device speaks link protocol v{}, this utvm speaks v{}: "
                            "rebuild and flash the project with this utvm",
                            info.protocol_version, UTVM_LINK_PROTOCOL_VERSION));
  }
  r.le(1);  // flags
  info.max_payload = r.le(2);
  info.inputs.resize(r.le(2));
  info.outputs.resize(r.le(2));
  info.workspace_bytes = static_cast<std::uint32_t>(r.le(4));
  info.model_name = r.str();
  info.build_id = r.str();
  std::optional<std::uint32_t> previous;  // firmware older than session tokens has none
  if (r.remaining() >= 4) previous = static_cast<std::uint32_t>(r.le(4));
  info.modules.clear();
  info.module_index = module_index_;
  if (info.protocol_version >= 2) {
    const auto count = r.le(1);
    for (std::uint64_t i = 0; i < count; ++i) {
      ModuleSummary& m = info.modules.emplace_back();
      m.name = r.str();
      m.inputs = static_cast<std::uint16_t>(r.le(2));
      m.outputs = static_cast<std::uint16_t>(r.le(2));
    }
    if (module_index_ >= info.modules.size()) {
      throw Error(ExitCode::kTransport, "link: malformed HELLO answer (no such module)");
    }
  } else {
    info.modules.push_back({info.model_name, static_cast<std::uint16_t>(info.inputs.size()),
                            static_cast<std::uint16_t>(info.outputs.size())});
    info.module_index = 0;
  }
  r.done();
  return previous;
}

void LinkClient::check_session() {
  if (!have_info_) return;
  DeviceInfo again;
  const auto previous = hello_frame(again);
  if (previous && *previous != session_) {
    throw Error(ExitCode::kTransport,
                "link: the device reset during the session (it no longer holds this session's "
                "inputs), so its results cannot be trusted; check its power and watchdog, then "
                "run again");
  }
}

void LinkClient::select_module(std::string name) {
  wanted_module_ = std::move(name);
  have_info_ = false;
}

DeviceInfo LinkClient::hello() {
  DeviceInfo info;
  {
    hello_frame(info);
    if (wanted_module_ && info.model_name != *wanted_module_) {
      std::vector<std::string> names;
      std::optional<std::size_t> index;
      for (std::size_t i = 0; i < info.modules.size(); ++i) {
        names.push_back(info.modules[i].name);
        if (info.modules[i].name == *wanted_module_) index = i;
      }
      if (!index || info.protocol_version < 2) {
        throw Error(ExitCode::kUsage,
                    fmt::format("link: the firmware on the device has no module '{}' (its "
                                "modules: {})",
                                *wanted_module_, fmt::join(names, ", ")));
      }
      module_index_ = static_cast<std::uint8_t>(*index);
      info = DeviceInfo{};
      hello_frame(info);
    }
    if (info.max_payload < 16) {
      throw Error(ExitCode::kTransport,
                  fmt::format("link: the device accepts only {}-byte payloads", info.max_payload));
    }
  }
  for (int dir = 0; dir < 2; ++dir) {
    auto& list = dir == 0 ? info.inputs : info.outputs;
    for (std::size_t i = 0; i < list.size(); ++i) {
      Le<3> req;
      req.put(dir, 1).put(i, 2);
      Frame f = transact(UTVM_LINK_CMD_TENSOR_INFO, req.span(), {}, config_.reply_timeout);
      Reader r(f.payload, "TENSOR_INFO");
      TensorInfo& t = list[i];
      t.dtype_code = static_cast<std::uint8_t>(r.le(1));
      t.dtype_bits = static_cast<std::uint8_t>(r.le(1));
      t.dtype_lanes = static_cast<std::uint16_t>(r.le(2));
      t.nbytes = static_cast<std::uint32_t>(r.le(4));
      const auto ndim = r.le(1);
      r.le(1);
      for (std::uint64_t d = 0; d < ndim; ++d) {
        t.shape.push_back(static_cast<std::int64_t>(r.le(8)));
      }
      t.name = r.str();
      r.done();
      constexpr std::uint32_t kMaxTensorBytes = 256u << 20;
      if (t.nbytes > kMaxTensorBytes) {
        throw Error(ExitCode::kTransport,
                    fmt::format("link: the device describes {} '{}' as {} bytes; utvm refuses "
                                "tensors over {} bytes (a damaged or foreign firmware?)",
                                dir == 0 ? "input" : "output", t.name, t.nbytes, kMaxTensorBytes));
      }
      t.dtype = dtype_name(t.dtype_code, t.dtype_bits, t.dtype_lanes);
    }
  }
  info_ = info;
  have_info_ = true;
  return info;
}

const DeviceInfo& LinkClient::info() {
  if (!have_info_) hello();
  return info_;
}

const TensorInfo& LinkClient::tensor(bool output, std::uint16_t index) {
  const auto& list = output ? info().outputs : info().inputs;
  if (index >= list.size()) {
    throw Error(
        ExitCode::kBadInput,
        fmt::format("link: the model on the device has {} {}s; there is no {} #{}", list.size(),
                    output ? "output" : "input", output ? "output" : "input", index));
  }
  return list[index];
}

void LinkClient::set_input(std::uint16_t index, std::span<const std::uint8_t> data) {
  const TensorInfo& t = tensor(false, index);
  if (data.size() != t.nbytes) {
    throw Error(ExitCode::kBadInput,
                fmt::format("link: input '{}' is {} bytes on the device ({} {}), got {} bytes",
                            t.name, t.nbytes, t.dtype, fmt::join(t.shape, "x"), data.size()));
  }
  const std::size_t chunk = info_.max_payload - 6;
  std::vector<Request> requests;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(chunk, data.size() - offset);
    Le<6> head;
    head.put(index, 2).put(offset, 4);
    Request& r = requests.emplace_back();
    std::memcpy(r.head, head.b, head.n);
    r.head_len = head.n;
    r.body = data.subspan(offset, n);
    offset += n;
  } while (offset < data.size());
  transact_all(UTVM_LINK_CMD_SET_INPUT, requests, [](std::size_t, const Frame&) {});
}

void LinkClient::transact_all(std::uint8_t type, const std::vector<Request>& requests,
                              const std::function<void(std::size_t, const Frame&)>& on_answer) {
  const std::size_t window = config_.pipeline ? std::max<std::size_t>(config_.window, 1) : 1;
  std::size_t next = 0;
  std::vector<std::uint8_t> seqs;
  while (next < requests.size()) {
    const std::size_t n = std::min(window, requests.size() - next);
    if (n > 1) {
      tx_.clear();
      seqs.clear();
      for (std::size_t k = 0; k < n; ++k) {
        const Request& r = requests[next + k];
        seqs.push_back(next_seq_);
        append_frame(tx_, next_seq_++, type, {r.head, r.head_len}, r.body);
        ++counters_.requests;
      }
      std::size_t done = 0;
      const auto deadline = Clock::now() + config_.reply_timeout * static_cast<int>(n);
      try {
        send(deadline);
        while (done < n) {
          Frame f;
          const auto status = decoder_.next(f);
          if (status == FrameDecoder::Status::kNeedMore) {
            auto area = decoder_.write_area(64 * 1024);
            decoder_.commit(stream_.read(area, deadline));
            continue;
          }
          if (status == FrameDecoder::Status::kBadFrame) {
            ++counters_.bad_frames;
            break;
          }
          if (f.seq != seqs[done]) {
            ++counters_.stale_frames;
            continue;
          }
          if (f.type != (type | UTVM_LINK_RESPONSE)) {
            if (f.type == UTVM_LINK_TYPE_NAK) ++counters_.naks;
            break;  // NAK or ERROR: transact() below retries or reports it
          }
          on_answer(next + done, f);
          ++done;
        }
      } catch (const transport::TransportTimeout&) {
        timed_out();
      } catch (const DeviceError&) {
        throw;
      } catch (const Error& e) {
        throw Error(e.code(), fmt::format("link: {}: {}", command_name(type), e.what()));
      }
      next += done;
      if (done == n) continue;
    }
    // One at a time, with retries (also the recovery path of a troubled window).
    const Request& r = requests[next];
    Frame f = transact(type, {r.head, r.head_len}, r.body,
                       type == UTVM_LINK_CMD_RUN ? config_.run_timeout : config_.reply_timeout);
    on_answer(next, f);
    ++next;
  }
}

RunStats LinkClient::run(std::uint32_t count) {
  info();
  RunStats stats;
  stats.run_ns.reserve(count);
  while (count > 0) {
    const std::uint32_t batch = std::min<std::uint32_t>(count, UTVM_LINK_MAX_RUNS_PER_REQUEST);
    Le<4> head;
    head.put(batch, 4);
    Frame f = transact(UTVM_LINK_CMD_RUN, head.span(), {}, config_.run_timeout);
    parse_run(f.payload, batch, stats);
    count -= batch;
  }
  return stats;
}

void LinkClient::parse_run(std::span<const std::uint8_t> payload, std::uint32_t batch,
                           RunStats& stats) {
  Reader r(payload, "RUN");
  if (r.le(4) != batch) {
    throw Error(ExitCode::kTransport, "link: RUN: the device answered for a different count");
  }
  for (std::uint32_t i = 0; i < batch; ++i)
    stats.run_ns.push_back(r.le(8));
  const auto error = static_cast<std::uint16_t>(r.le(2));
  const auto status = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.le(4)));
  const auto completed = static_cast<std::uint32_t>(r.le(4));
  stats.workspace_bytes = static_cast<std::uint32_t>(r.le(4));
  stats.workspace_high_water = static_cast<std::uint32_t>(r.le(4));
  const auto failed_request = static_cast<std::uint32_t>(r.le(4));
  r.done();
  if (error != UTVM_LINK_OK) {
    std::string msg =
        fmt::format("the model failed on the device in run {} (status {}): {}",
                    stats.run_ns.size() - batch + completed + 1, status, device_error_name(error));
    if (error == UTVM_LINK_ERR_WORKSPACE_EXHAUSTED) {
      msg += fmt::format(
          " -- it asked for {} bytes of workspace with {} of the {}-byte arena in use; rebuild "
          "the project with a larger workspace",
          failed_request, stats.workspace_high_water, stats.workspace_bytes);
    }
    throw DeviceError(ExitCode::kFailure, msg, error, status);
  }
}

RunStats LinkClient::infer(std::span<const std::span<const std::uint8_t>> inputs,
                           std::span<const std::span<std::uint8_t>> outputs, std::uint32_t runs) {
  const DeviceInfo& dev = info();
  if (inputs.size() != dev.inputs.size() || outputs.size() != dev.outputs.size()) {
    throw Error(ExitCode::kBadInput,
                fmt::format("link: the model on the device takes {} inputs and gives {} outputs; "
                            "got {} and {}",
                            dev.inputs.size(), dev.outputs.size(), inputs.size(), outputs.size()));
  }
  RunStats stats;
  if (config_.pipeline && try_pipelined(inputs, outputs, runs, stats)) return stats;
  stats = RunStats{};
  for (std::size_t i = 0; i < inputs.size(); ++i)
    set_input(static_cast<std::uint16_t>(i), inputs[i]);
  stats = run(runs);
  for (std::size_t i = 0; i < outputs.size(); ++i)
    get_output(static_cast<std::uint16_t>(i), outputs[i]);
  return stats;
}

// All requests of one inference in one write, answers read in order. Returns false (nothing
// thrown) when it does not apply or the stream damaged something: the caller then redoes the
// inference step by step, which retries properly. Every request is idempotent, so redoing is safe.
bool LinkClient::try_pipelined(std::span<const std::span<const std::uint8_t>> inputs,
                               std::span<const std::span<std::uint8_t>> outputs, std::uint32_t runs,
                               RunStats& stats) {
  constexpr std::size_t kMaxBytes = 8192;  // far below any pipe or socket buffer
  if (runs == 0 || runs > 64) return false;
  std::size_t in_bytes = 0, out_bytes = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].size() != info_.inputs[i].nbytes) return false;  // set_input explains
    in_bytes += inputs[i].size() + 16;
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].size() != info_.outputs[i].nbytes || outputs[i].size() > config_.output_chunk) {
      return false;
    }
    out_bytes += outputs[i].size() + 16;
  }
  if (in_bytes > kMaxBytes || out_bytes + 8 * runs > kMaxBytes) return false;
  const std::size_t chunk = info_.max_payload - 6;

  struct Pending {
    std::uint8_t seq, type;
    std::size_t index;
  };
  std::vector<Pending> pending;
  tx_.clear();
  auto add = [&](std::uint8_t type, std::span<const std::uint8_t> head,
                 std::span<const std::uint8_t> body, std::size_t index) {
    const std::uint8_t seq = next_seq_++;
    append_frame(tx_, seq, type, head, body);
    pending.push_back({seq, type, index});
    ++counters_.requests;
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::size_t offset = 0;
    do {
      const std::size_t n = std::min(chunk, inputs[i].size() - offset);
      Le<6> head;
      head.put(i, 2).put(offset, 4);
      add(UTVM_LINK_CMD_SET_INPUT, head.span(), inputs[i].subspan(offset, n), i);
      offset += n;
    } while (offset < inputs[i].size());
  }
  Le<4> run_head;
  run_head.put(runs, 4);
  add(UTVM_LINK_CMD_RUN, run_head.span(), {}, 0);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Le<10> head;
    head.put(i, 2).put(0, 4).put(outputs[i].size(), 4);
    add(UTVM_LINK_CMD_GET_OUTPUT, head.span(), {}, i);
  }

  const auto deadline = Clock::now() + config_.reply_timeout + config_.run_timeout;
  try {
    send(deadline);
    for (const Pending& want : pending) {
      for (;;) {
        Frame f;
        auto status = decoder_.next(f);
        if (status == FrameDecoder::Status::kNeedMore) {
          auto area = decoder_.write_area(64 * 1024);
          decoder_.commit(stream_.read(area, deadline));
          continue;
        }
        if (status == FrameDecoder::Status::kBadFrame) {
          ++counters_.bad_frames;
          return false;
        }
        if (f.seq != want.seq) {
          ++counters_.stale_frames;
          continue;
        }
        if (f.type == UTVM_LINK_TYPE_NAK) {
          ++counters_.naks;
          return false;
        }
        if (f.type == UTVM_LINK_TYPE_ERROR) return false;  // the step-by-step path reports it
        if (f.type != (want.type | UTVM_LINK_RESPONSE)) return false;
        if (want.type == UTVM_LINK_CMD_RUN) {
          parse_run(f.payload, runs, stats);  // a failed model throws DeviceError here
        } else if (want.type == UTVM_LINK_CMD_GET_OUTPUT) {
          if (f.payload.size() != outputs[want.index].size()) return false;
          std::memcpy(outputs[want.index].data(), f.payload.data(), f.payload.size());
        }
        break;
      }
    }
  } catch (const transport::TransportTimeout&) {
    timed_out();
    return false;
  } catch (const DeviceError&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("link: inference: {}", e.what()));
  }
  return true;
}

void LinkClient::get_output(std::uint16_t index, std::span<std::uint8_t> out) {
  const TensorInfo& t = tensor(true, index);
  if (out.size() != t.nbytes) {
    throw Error(ExitCode::kFailure, fmt::format("link: output '{}' is {} bytes, buffer is {}",
                                                t.name, t.nbytes, out.size()));
  }
  std::vector<Request> requests;
  for (std::size_t offset = 0; offset < out.size(); offset += config_.output_chunk) {
    const std::size_t n = std::min(config_.output_chunk, out.size() - offset);
    Le<10> head;
    head.put(index, 2).put(offset, 4).put(n, 4);
    Request& r = requests.emplace_back();
    std::memcpy(r.head, head.b, head.n);
    r.head_len = head.n;
  }
  transact_all(UTVM_LINK_CMD_GET_OUTPUT, requests, [&](std::size_t i, const Frame& f) {
    const std::size_t offset = i * config_.output_chunk;
    const std::size_t n = std::min(config_.output_chunk, out.size() - offset);
    if (f.payload.size() != n) {
      throw Error(ExitCode::kTransport,
                  fmt::format("link: GET_OUTPUT: asked for {} bytes, the device sent {}", n,
                              f.payload.size()));
    }
    std::memcpy(out.data() + offset, f.payload.data(), n);
  });
}

std::vector<std::uint8_t> LinkClient::get_output(std::uint16_t index) {
  std::vector<std::uint8_t> out(tensor(true, index).nbytes);
  get_output(index, out);
  return out;
}

void LinkClient::reset() {
  transact(UTVM_LINK_CMD_RESET, {}, {}, config_.reply_timeout);
  // The device fell back to module 0: the next request re-selects ours with a HELLO.
  have_info_ = false;
}

}  // namespace utvm::link
