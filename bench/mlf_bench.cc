// MLF reader benchmarks: tar reading and model loading of the 2 MB letscope fixture, the params and
// graph JSON parsers, and `utvm info` end to end as a child process (target: <= 20 ms).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/graph.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/model_json.h"
#include "utvm/mlf/params.h"

extern char** environ;

namespace {

const std::string kFixtures = std::string(UTVM_SHARED_DIR) + "/fixtures/";
const std::string kLetscope = kFixtures + "mlf/letscope_int8_v7.tar";

bool have(benchmark::State& state, const std::string& path) {
  if (std::filesystem::exists(path)) return true;
  state.SkipWithError(("missing fixture " + path).c_str());
  return false;
}

void BM_MlfArchiveReadLetscope(benchmark::State& state) {
  if (!have(state, kLetscope)) return;
  for (auto _ : state) {
    auto a = utvm::mlf::Archive::read(kLetscope);
    benchmark::DoNotOptimize(a.members().size());
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(std::filesystem::file_size(kLetscope)));
}
BENCHMARK(BM_MlfArchiveReadLetscope)->Unit(benchmark::kMillisecond);

void BM_MlfLoadModelLetscope(benchmark::State& state) {
  if (!have(state, kLetscope)) return;
  for (auto _ : state) {
    auto model = utvm::mlf::load_model(std::filesystem::path(kLetscope));
    auto text = utvm::mlf::model_to_json(model).dump(2);
    benchmark::DoNotOptimize(text.size());
  }
}
BENCHMARK(BM_MlfLoadModelLetscope)->Unit(benchmark::kMillisecond);

void BM_MlfParseParamsConv1d(benchmark::State& state) {
  const std::string tar = kFixtures + "mlf/conv1d_graph_v5.tar";
  if (!have(state, tar)) return;
  auto a = utvm::mlf::Archive::read(tar);
  const std::string& blob = *a.find("parameters/default.params");
  for (auto _ : state)
    benchmark::DoNotOptimize(utvm::mlf::parse_params(blob, "p").size());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(blob.size()));
}
BENCHMARK(BM_MlfParseParamsConv1d);

void BM_MlfParseGraphSine(benchmark::State& state) {
  const std::string tar = kFixtures + "tvm016/sine_graph.tar";
  if (!have(state, tar)) return;
  auto a = utvm::mlf::Archive::read(tar);
  const std::string& text = *a.find("executor-config/graph/sine.graph");
  for (auto _ : state)
    benchmark::DoNotOptimize(utvm::mlf::parse_graph_json(text, "g").nodes.size());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_MlfParseGraphSine);

// `utvm info letscope_int8_v7.tar` as a separate process, stdout to /dev/null (wall time).
void BM_UtvmInfoLetscopeProcess(benchmark::State& state) {
  const std::string utvm = std::string(UTVM_BINARY_DIR) + "/bin/utvm";
  if (!have(state, kLetscope) || !have(state, utvm)) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string arg0 = utvm, arg1 = "info", arg2 = kLetscope;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, utvm.c_str(), &actions, nullptr, argv, environ) != 0) {
      state.SkipWithError("spawn failed");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("utvm info failed");
      break;
    }
  }
  posix_spawn_file_actions_destroy(&actions);
}
BENCHMARK(BM_UtvmInfoLetscopeProcess)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
