// QEMU transport throughput (baremetal): an echo firmware on mps2-an385, bytes sent by the host
// and echoed back through the CMSDK UART, for each channel QemuProcess offers. Also the time
// from starting QEMU to the firmware's first byte. Needs qemu-system-arm and arm-none-eabi-gcc.
#include <benchmark/benchmark.h>

#include <memory>
#include <thread>
#include <vector>

#include "../platforms/baremetal/test_firmware/build_firmware.h"
#include "utvm/common/error.h"
#include "utvm/transport/qemu.h"

namespace {

using Clock = std::chrono::steady_clock;
using utvm::transport::QemuChannel;
using utvm::transport::QemuOptions;
using utvm::transport::QemuProcess;
namespace bt = utvm::baremetal::testing;

const std::filesystem::path* echo_firmware(benchmark::State& state) {
  static std::filesystem::path elf;
  static std::string error;
  if (elf.empty() && error.empty()) {
    error = bt::missing_tools();
    if (error.empty()) {
      try {
        bt::FirmwareRequest r;
        r.app = "echo.c";
        elf = bt::build_firmware(r, "bench-an385-echo");
      } catch (const std::exception& e) {
        error = e.what();
      }
    } else {
      error = "needs " + error;
    }
  }
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return nullptr;
  }
  return &elf;
}

std::unique_ptr<QemuProcess> start_echo(const std::filesystem::path& elf, QemuChannel channel) {
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = elf;
  o.channel = channel;
  auto q = std::make_unique<QemuProcess>(o);
  std::string got;
  uint8_t buf[64];
  while (got.find("READY\n") == std::string::npos) {
    size_t n = q->read(buf, Clock::now() + std::chrono::seconds(10));
    got.append(reinterpret_cast<char*>(buf), n);
  }
  return q;
}

// Round trip of range(1) bytes per iteration, sent in windows of range(2) bytes (0 = all at once
// from a writer thread while the reader drains).
void BM_QemuEcho(benchmark::State& state) {
  auto channel = static_cast<QemuChannel>(state.range(0));
  const auto* elf = echo_firmware(state);
  if (!elf) return;
  const size_t total = static_cast<size_t>(state.range(1));
  const size_t window = static_cast<size_t>(state.range(2));
  std::unique_ptr<QemuProcess> q;
  try {
    q = start_echo(*elf, channel);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::vector<uint8_t> payload(total);
  for (size_t i = 0; i < total; ++i)
    payload[i] = static_cast<uint8_t>(i * 31 + 7);
  std::vector<uint8_t> buf(65536);
  for (auto _ : state) {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    size_t got = 0;
    if (window == 0) {
      std::thread writer([&] { q->write(payload, deadline); });
      while (got < total)
        got += q->read(std::span(buf).first(total - got), deadline);
      writer.join();
    } else {
      for (size_t off = 0; off < total; off += window) {
        size_t n = std::min(window, total - off);
        q->write(std::span(payload).subspan(off, n), deadline);
        size_t want = off + n;
        while (got < want)
          got += q->read(std::span(buf).first(want - got), deadline);
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
  state.SetLabel(utvm::transport::qemu_channel_name(channel));
}

void channels(benchmark::internal::Benchmark* b) {
  for (auto c : {QemuChannel::kStdio, QemuChannel::kTcpClient, QemuChannel::kTcpServer}) {
    b->Args({static_cast<int64_t>(c), 16384, 0});
    b->Args({static_cast<int64_t>(c), 16384, 64});
  }
}
BENCHMARK(BM_QemuEcho)->Apply(channels)->Unit(benchmark::kMillisecond)->UseRealTime();

// From spawning QEMU to reading the firmware's READY line.
void BM_QemuStartToFirstByte(benchmark::State& state) {
  auto channel = static_cast<QemuChannel>(state.range(0));
  const auto* elf = echo_firmware(state);
  if (!elf) return;
  for (auto _ : state) {
    auto q = start_echo(*elf, channel);
    state.PauseTiming();
    q.reset();
    state.ResumeTiming();
  }
  state.SetLabel(utvm::transport::qemu_channel_name(channel));
}
BENCHMARK(BM_QemuStartToFirstByte)
    ->Arg(static_cast<int64_t>(QemuChannel::kStdio))
    ->Arg(static_cast<int64_t>(QemuChannel::kTcpClient))
    ->Arg(static_cast<int64_t>(QemuChannel::kTcpServer))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
