// Project API wire layer hot paths: base85 (every transport byte), Python-style JSON dumps of
// replies, and one JSON-RPC round trip over real pipes to the server SDK (serve_fds in a thread).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "utvm/project_api/base85.h"
#include "utvm/project_api/line_io.h"
#include "utvm/project_api/server.h"

namespace {

using namespace utvm::project_api;

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v)
    b = static_cast<std::uint8_t>(rng());
  return v;
}

void BM_Base85Encode(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    b85encode_append(data, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Base85Encode)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

void BM_Base85Decode(benchmark::State& state) {
  const std::string text = b85encode(random_bytes(static_cast<std::size_t>(state.range(0))));
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out.clear();
    b85decode_append(text, out);
    benchmark::DoNotOptimize(out.data());
  }
  // Counted in decoded (binary) bytes.
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Base85Decode)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

void BM_DumpAsciiJson_ServerInfo(benchmark::State& state) {
  ServerInfo info;
  info.platform_name = "zephyr";
  info.model_library_format_path = "/path/to/project/model.tar";
  info.project_options = default_project_options();
  const Json j(info);
  for (auto _ : state) {
    std::string s = dump_ascii_json(j);
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_DumpAsciiJson_ServerInfo);

class BenchHandler : public Handler {
 public:
  ServerInfo server_info_query(const std::string&) override {
    ServerInfo info;
    info.platform_name = "bench";
    info.project_options = default_project_options();
    return info;
  }
  void generate_project(const std::filesystem::path&, const std::filesystem::path&,
                        const std::filesystem::path&, const nlohmann::json&) override {}
  void build(const nlohmann::json&) override {}
  void flash(const nlohmann::json&) override {}
  TransportTimeouts open_transport(const nlohmann::json&) override { return {}; }
  void close_transport() override {}
  std::vector<std::uint8_t> read_transport(std::size_t n, std::optional<double>) override {
    return std::vector<std::uint8_t>(n, 0x5a);
  }
  void write_transport(std::span<const std::uint8_t>, std::optional<double>) override {}
};

// A server thread on a pipe pair; the benchmark writes request lines and reads reply lines.
class PipeServer {
 public:
  PipeServer() {
    int req[2], rep[2];
    if (::pipe(req) != 0 || ::pipe(rep) != 0) throw std::runtime_error("pipe");
    to_server_ = req[1];
    from_server_ = rep[0];
    thread_ = std::thread([this, rfd = req[0], wfd = rep[1]] {
      serve_fds(handler_, rfd, wfd);
      ::close(rfd);
      ::close(wfd);
    });
    reader_ = std::make_unique<LineReader>(from_server_);
  }
  ~PipeServer() {
    ::close(to_server_);
    thread_.join();
    ::close(from_server_);
  }
  void call(std::string_view line, std::string& reply) {
    write_line(to_server_, line);
    if (!reader_->read_line(reply)) throw std::runtime_error("server exited");
  }

 private:
  BenchHandler handler_;
  int to_server_, from_server_;
  std::thread thread_;
  std::unique_ptr<LineReader> reader_;
};

// The server's CPU cost per request, without pipes (parse, validate, dispatch, reply text).
void BM_HandleRequestLine_ServerInfo(benchmark::State& state) {
  BenchHandler handler;
  const std::string request =
      "{\"jsonrpc\": \"2.0\", \"method\": \"server_info_query\", \"params\": {\"tvm_version\": "
      "\"0.13.dev0\"}, \"id\": 1}";
  for (auto _ : state) {
    RequestOutcome out = handle_request_line(handler, request);
    benchmark::DoNotOptimize(out.reply->data());
  }
}
BENCHMARK(BM_HandleRequestLine_ServerInfo);

// One server_info_query request → reply over real pipes (target: <= 10 us median).
void BM_RoundTrip(benchmark::State& state) {
  PipeServer server;
  const std::string request =
      "{\"jsonrpc\": \"2.0\", \"method\": \"server_info_query\", \"params\": {\"tvm_version\": "
      "\"0.13.dev0\"}, \"id\": 1}";
  std::string reply;
  for (auto _ : state) {
    server.call(request, reply);
    benchmark::DoNotOptimize(reply.data());
  }
}
BENCHMARK(BM_RoundTrip)->UseRealTime();

// close_transport: the smallest possible request/reply, i.e. the protocol floor.
void BM_RoundTrip_Minimal(benchmark::State& state) {
  PipeServer server;
  const std::string request =
      "{\"jsonrpc\": \"2.0\", \"method\": \"close_transport\", \"params\": {}, \"id\": 1}";
  std::string reply;
  for (auto _ : state) {
    server.call(request, reply);
    benchmark::DoNotOptimize(reply.data());
  }
}
BENCHMARK(BM_RoundTrip_Minimal)->UseRealTime();

// read_transport of N bytes through the server: base85 + JSON framing per transport call.
void BM_RoundTrip_ReadTransport(benchmark::State& state) {
  PipeServer server;
  const std::string request =
      "{\"jsonrpc\": \"2.0\", \"method\": \"read_transport\", \"params\": {\"n\": " +
      std::to_string(state.range(0)) + ", \"timeout_sec\": null}, \"id\": 1}";
  std::string reply;
  for (auto _ : state) {
    server.call(request, reply);
    benchmark::DoNotOptimize(reply.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RoundTrip_ReadTransport)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

// write_transport of N bytes: the request carries base85 text the server parses and decodes.
void BM_RoundTrip_WriteTransport(benchmark::State& state) {
  PipeServer server;
  const std::string request =
      "{\"jsonrpc\": \"2.0\", \"method\": \"write_transport\", \"params\": {\"data\": \"" +
      b85encode(random_bytes(static_cast<std::size_t>(state.range(0)))) +
      "\", \"timeout_sec\": null}, \"id\": 1}";
  std::string reply;
  for (auto _ : state) {
    server.call(request, reply);
    benchmark::DoNotOptimize(reply.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RoundTrip_WriteTransport)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

}  // namespace
