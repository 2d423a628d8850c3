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

// ---- Models on the Cortex-M3/M4 under QEMU ---------------------------------------------------
// Builds each fixture's project with the baremetal handler (cached per build tree), then times
// runs on the device. Counters: device_us = device-measured time per run (QEMU's clock follows
// the host's, so this is emulation speed, not silicon); insns = the same run under
// -icount shift=0 (1 ns per guest instruction, so device ns = instructions executed,
// deterministic); cycles_25MHz = device_us * 25.
#include <cstring>
#include <nlohmann/json.hpp>

#include "baremetal_server.h"
#include "example_mlf.h"
#include "utvm/link/link_client.h"

namespace {

namespace fs = std::filesystem;

struct BenchModel {
  const char* name;
  const char* mlf;  // relative to the shared fixtures dir; "" = the example model
  const char* board;
};
const BenchModel kModels[] = {
    {"example_mlp", "", "mps2_an385"},
    {"sine_aot_v5", "mlf/sine_aot_v5.tar", "mps2_an385"},
    {"yes_no_v5", "mlf/yes_no_v5.tar", "mps2_an385"},
    {"match_cpuonly_v7", "mlf/match_cpuonly_v7.tar", "mps2_an385"},
    {"sine_graph_tvm016", "tvm016/sine_graph.tar", "mps2_an385"},
    {"letscope_int8_v7", "mlf/letscope_int8_v7.tar", "mps2_an386"},
};

// Generates, builds and flashes a project once per process; returns the flashed image.
fs::path bench_project(const BenchModel& m, std::string* board_machine) {
  const fs::path src = UTVM_SOURCE_DIR;
  const fs::path root = fs::path(UTVM_BINARY_DIR) / "bench-baremetal";
  const fs::path tmpl = root / "template", device = root / "device";
  if (!fs::exists(device / "include/dlpack/dlpack.h")) {
    fs::remove_all(root);
    fs::create_directories(tmpl);
    fs::create_directories(device / "ports");
    for (const char* f : {"CMakeLists.txt", "arm-none-eabi.cmake"})
      fs::copy_file(src / "platforms/baremetal/template" / f, tmpl / f);
    fs::copy_file(src / "platforms/baremetal/boards.json", tmpl / "boards.json");
    fs::copy(src / "device/include", device / "include", fs::copy_options::recursive);
    fs::copy(src / "device/src", device / "src", fs::copy_options::recursive);
    fs::copy(src / "device/ports/cortexm", device / "ports/cortexm", fs::copy_options::recursive);
    fs::create_directories(device / "include/dlpack");
    fs::copy_file("/usr/include/dlpack/dlpack.h", device / "include/dlpack/dlpack.h");
  }
  fs::path mlf;
  if (std::strlen(m.mlf) == 0) {
    mlf = root / "example_mlp.tar";
    utvm::tools::write_example_mlf(mlf);
  } else {
    mlf = fs::path(UTVM_SHARED_DIR) / "fixtures" / m.mlf;
    if (!fs::exists(mlf)) throw std::runtime_error(mlf.string() + " is not available");
  }
  const fs::path project = root / "projects" / m.name;
  fs::remove_all(project);
  fs::create_directories(project.parent_path());
  utvm::platforms::baremetal::BaremetalHandler t(tmpl, device);
  t.generate_project(mlf, "", project, {{"board", m.board}});
  utvm::platforms::baremetal::BaremetalHandler h(project, device);
  h.build(nlohmann::json::object());
  h.flash(nlohmann::json::object());
  *board_machine = std::string(m.board);
  for (char& c : *board_machine)
    if (c == '_') c = '-';
  return project / "build" / "flashed.elf";
}

void fill_inputs(utvm::link::LinkClient& client) {
  const auto& info = client.hello();
  for (size_t i = 0; i < info.inputs.size(); ++i) {
    std::vector<uint8_t> bytes(info.inputs[i].nbytes);
    for (size_t k = 0; k < bytes.size(); ++k)
      bytes[k] = static_cast<uint8_t>(k * 13 + 1);
    if (info.inputs[i].dtype == "float32") {
      for (size_t k = 0; k + 4 <= bytes.size(); k += 4) {
        float f = 0.01f * static_cast<float>(k % 100);
        std::memcpy(&bytes[k], &f, 4);
      }
    }
    client.set_input(static_cast<uint16_t>(i), bytes);
  }
}

void BM_BaremetalModelRun(benchmark::State& state) {
  const BenchModel& m = kModels[state.range(0)];
  state.SetLabel(std::string(m.name) + " on " + m.board);
  std::string missing = bt::missing_tools();
  if (!missing.empty()) {
    state.SkipWithError(("needs " + missing).c_str());
    return;
  }
  fs::path image;
  std::string machine;
  try {
    image = bench_project(m, &machine);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  // Deterministic instruction count first.
  double insns = 0;
  {
    QemuOptions o;
    o.machine = machine;
    o.kernel = image;
    o.icount_shift = 0;
    QemuProcess q(o);
    utvm::link::LinkClient client(q);
    fill_inputs(client);
    insns = client.run(3).mean_ns();
  }
  QemuOptions o;
  o.machine = machine;
  o.kernel = image;
  QemuProcess q(o);
  utvm::link::LinkClient client(q);
  fill_inputs(client);
  double device_ns = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    device_ns += static_cast<double>(client.run(1).total_ns());
    ++runs;
  }
  double us = runs ? device_ns / static_cast<double>(runs) / 1000.0 : 0.0;
  state.counters["device_us"] = us;
  state.counters["cycles_25MHz"] = us * 25.0;
  state.counters["insns"] = insns;
}
BENCHMARK(BM_BaremetalModelRun)
    ->DenseRange(0, static_cast<int>(std::size(kModels)) - 1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Link throughput through QEMU: set_input + get_output of a 64 KiB tensor (add-one model).
void BM_QemuLinkTensorRoundTrip(benchmark::State& state) {
  std::string missing = bt::missing_tools();
  if (!missing.empty()) {
    state.SkipWithError(("needs " + missing).c_str());
    return;
  }
  const int n = 16384;
  fs::path model = fs::path(UTVM_BINARY_DIR) / "bench-baremetal" / "add-one-model";
  fs::path image;
  try {
    fs::create_directories(model);
    fs::copy_file(fs::path(UTVM_SOURCE_DIR) / "device/tests/add_one_model.c",
                  model / "add_one_model.c", fs::copy_options::update_existing);
    bt::FirmwareRequest r;
    r.model_dir = model;
    r.extra_cflags = "-DADD_ONE_N=" + std::to_string(n);
    image = bt::build_firmware(r, "bench-an385-add-one-64k");
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  QemuOptions o;
  o.machine = "mps2-an385";
  o.kernel = image;
  QemuProcess q(o);
  utvm::link::LinkClient client(q);
  client.hello();
  std::vector<uint8_t> x(n * sizeof(float), 0);
  for (auto _ : state) {
    client.set_input(0, x);
    auto y = client.get_output(0);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * x.size()));
}
BENCHMARK(BM_QemuLinkTensorRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
