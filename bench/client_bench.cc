// Project API client benchmarks against the C++ example server (a loopback "device"):
//   BM_SpawnAndQuery        launch the template's server, server_info_query, shutdown
//   BM_TransportThroughput  write_transport + read_transport of 64 KiB (payload bytes/s)
//   BM_ClientRoundTrip      one small write_transport + read_transport pair (latency)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include "utvm/project_api/client.h"

namespace {

namespace fs = std::filesystem;
using utvm::project_api::Client;

const fs::path kTemplate = fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/example";

bool have_template(benchmark::State& state) {
  if (fs::exists(kTemplate / "launch_microtvm_api_server.sh")) return true;
  state.SkipWithError("example template not built (target utvm-example-server)");
  return false;
}

void BM_SpawnAndQuery(benchmark::State& state) {
  if (!have_template(state)) return;
  for (auto _ : state) {
    Client c = Client::launch(kTemplate);
    auto info = c.server_info_query();
    benchmark::DoNotOptimize(info);
    c.shutdown();
  }
}
BENCHMARK(BM_SpawnAndQuery)->Unit(benchmark::kMillisecond)->UseRealTime();

// Writes `size` bytes and reads them back through the loopback per iteration.
void loopback(benchmark::State& state, std::size_t size) {
  if (!have_template(state)) return;
  Client c = Client::launch(kTemplate);
  c.server_info_query();
  c.open_transport(nlohmann::json::object());
  std::vector<std::uint8_t> data(size);
  for (std::size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::uint8_t>(i * 131 + 7);
  std::vector<std::uint8_t> back;
  back.reserve(size);
  for (auto _ : state) {
    c.write_transport(data, 5.0);
    back.clear();
    while (back.size() < size) {
      if (c.read_transport_into(size - back.size(), 5.0, back) == 0) {
        state.SkipWithError("empty read");
        return;
      }
    }
  }
  if (back != data) state.SkipWithError("loopback returned different bytes");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  c.close_transport();
}

void BM_TransportThroughput(benchmark::State& state) {
  loopback(state, static_cast<std::size_t>(state.range(0)));
}
// Real time: the work happens in two processes, so the client's CPU time alone means little.
BENCHMARK(BM_TransportThroughput)->Arg(64 << 10)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ClientRoundTrip(benchmark::State& state) {
  loopback(state, static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_ClientRoundTrip)->Arg(16)->Arg(1024)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
