// Link protocol over pipes against the POSIX device programs built from
// device/tests/add_one_model.c: bulk throughput (1 MiB tensors, 64 KiB frames) and the latency of
// a full set-input / run / get-output cycle on a 16-float model. Targets: >= 50 MB/s, <= 100 us.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "posix_device.h"
#include "utvm/common/subprocess.h"
#include "utvm/link/frame.h"
#include "utvm/link/link_client.h"
#include "utvm/transport/fd_stream.h"

namespace {

struct PipeDevice {
  utvm::Process proc;
  std::unique_ptr<utvm::transport::FdStream> stream;
  std::unique_ptr<utvm::link::LinkClient> link;

  PipeDevice(const std::string& program, int rx_buffer, bool pipeline = false) {
    int to_dev[2], from_dev[2];
    if (pipe2(to_dev, O_CLOEXEC) != 0 || pipe2(from_dev, O_CLOEXEC) != 0) std::abort();
    utvm::SpawnOptions opt;
    opt.argv = {std::string(UTVM_BINARY_DIR) + "/bin/" + program, "--rx-buffer",
                std::to_string(rx_buffer)};
    opt.stdin_fd = to_dev[0];
    opt.stdout_fd = from_dev[1];
    proc = utvm::Process::spawn(opt);
    close(to_dev[0]);
    close(from_dev[1]);
    stream =
        std::make_unique<utvm::transport::FdStream>(from_dev[0], to_dev[1], "the device", true);
    utvm::link::LinkConfig config;
    config.output_chunk = 65535;
    config.pipeline = pipeline;
    link = std::make_unique<utvm::link::LinkClient>(*stream, config);
    link->hello();
  }
};

// arg: 0 stop-and-wait, 1 windowed (LinkConfig::pipeline, 4 frames in flight)
void BM_LinkSetInputThroughput(benchmark::State& state) {
  PipeDevice dev("utvm-bench-device", 65535 + 2, state.range(0) == 1);
  std::vector<std::uint8_t> data(dev.link->info().inputs[0].nbytes, 0x3c);
  for (auto _ : state)
    dev.link->set_input(0, data);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_LinkSetInputThroughput)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LinkGetOutputThroughput(benchmark::State& state) {
  PipeDevice dev("utvm-bench-device", 65535 + 2, state.range(0) == 1);
  std::vector<std::uint8_t> out(dev.link->info().outputs[0].nbytes);
  for (auto _ : state)
    dev.link->get_output(0, out);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_LinkGetOutputThroughput)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Set input, run once, read the output: what `utvm run` does per inference.
void BM_LinkCycleSmallModel(benchmark::State& state) {
  PipeDevice dev("utvm-test-device", static_cast<int>(state.range(0)));
  std::vector<std::uint8_t> x(dev.link->info().inputs[0].nbytes, 0);
  std::vector<std::uint8_t> y(dev.link->info().outputs[0].nbytes);
  for (auto _ : state) {
    dev.link->set_input(0, x);
    benchmark::DoNotOptimize(dev.link->run(1));
    dev.link->get_output(0, y);
  }
}
BENCHMARK(BM_LinkCycleSmallModel)->Arg(8192)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same cycle through LinkClient::infer with pipelining: one write, one round trip.
void BM_LinkInferPipelined(benchmark::State& state) {
  PipeDevice dev("utvm-test-device", 8192);
  utvm::link::LinkConfig config;
  config.pipeline = true;
  utvm::link::LinkClient link(*dev.stream, config);
  std::vector<std::uint8_t> x(link.info().inputs[0].nbytes, 0);
  std::vector<std::uint8_t> y(link.info().outputs[0].nbytes);
  std::span<const std::uint8_t> ins[] = {x};
  std::span<std::uint8_t> outs[] = {y};
  for (auto _ : state)
    benchmark::DoNotOptimize(link.infer(ins, outs, 1));
}
BENCHMARK(BM_LinkInferPipelined)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The cycle on a real model: TVM 0.16's sine (graph executor lowered by utvm's codegen) in a
// POSIX device program. arg 0: step by step (3 round trips); arg 1: pipelined infer().
void BM_LinkSineCycle(benchmark::State& state) {
  namespace fs = std::filesystem;
  const fs::path tar = fs::path(UTVM_SHARED_DIR) / "fixtures/tvm016/sine_graph.tar";
  if (!fs::exists(tar)) {
    state.SkipWithError("fixtures not available");
    return;
  }
  const fs::path work = fs::path(UTVM_BINARY_DIR) / "link-work" / "bench-sine";
  utvm::codegen::testing::HostReference ref(tar, work / "model", UTVM_SOURCE_DIR);
  auto exe = utvm::link::testing::build_posix_device(ref, work, UTVM_SOURCE_DIR);
  auto dev = utvm::link::testing::start_pipe_device({exe.string()});
  utvm::link::LinkConfig config;
  config.pipeline = state.range(0) == 1;
  utvm::link::LinkClient link(*dev.stream, config);
  std::vector<std::uint8_t> x(link.info().inputs[0].nbytes, 0);
  std::vector<std::uint8_t> y(link.info().outputs[0].nbytes);
  std::span<const std::uint8_t> ins[] = {x};
  std::span<std::uint8_t> outs[] = {y};
  std::uint64_t device_ns = 0;
  for (auto _ : state)
    device_ns += link.infer(ins, outs, 1).total_ns();
  state.counters["device_ns_per_run"] =
      benchmark::Counter(static_cast<double>(device_ns) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_LinkSineCycle)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_LinkFrameEncodeDecode(benchmark::State& state) {
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 0x5a);
  std::vector<std::uint8_t> wire;
  utvm::link::FrameDecoder decoder;
  for (auto _ : state) {
    wire.clear();
    utvm::link::append_frame(wire, 1, 0x83, payload);
    decoder.feed(wire);
    utvm::link::Frame f;
    if (decoder.next(f) != utvm::link::FrameDecoder::Status::kFrame) state.SkipWithError("lost");
    benchmark::DoNotOptimize(f.payload.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_LinkFrameEncodeDecode)->Arg(62)->Arg(65535);

}  // namespace
