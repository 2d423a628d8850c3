// .npz read/write throughput on a 1 MiB float32 array (the size of a large model input).
#include <benchmark/benchmark.h>

#include <cstring>

#include "utvm/npz/npz.h"

namespace {

std::vector<std::pair<std::string, utvm::npz::Array>> one_mib() {
  utvm::npz::Array a{"float32", {256, 1024}, {}};
  a.data.resize(256 * 1024 * 4);
  for (std::size_t i = 0; i < 256 * 1024; ++i) {
    const float v = static_cast<float>(i % 1000) * 0.001f;
    std::memcpy(&a.data[i * 4], &v, 4);
  }
  return {{"input", std::move(a)}};
}

void BM_NpzWrite(benchmark::State& state) {
  const auto arrays = one_mib();
  const bool compress = state.range(0) != 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(utvm::npz::write_npz_bytes(arrays, compress));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 1024 * 1024);
}
BENCHMARK(BM_NpzWrite)->Arg(0)->Arg(1)->ArgName("compress");

void BM_NpzRead(benchmark::State& state) {
  const std::string bytes = utvm::npz::write_npz_bytes(one_mib(), state.range(0) != 0);
  for (auto _ : state)
    benchmark::DoNotOptimize(utvm::npz::read_npz_bytes(bytes, "bench.npz"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 1024 * 1024);
}
BENCHMARK(BM_NpzRead)->Arg(0)->Arg(1)->ArgName("compress");

}  // namespace
