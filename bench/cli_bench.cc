// The utvm command line end to end: start-up (`utvm --help`, target <= 5 ms) and create-project of
// the 2 MB letscope fixture for the host platform (target <= 100 ms; it does not build).
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "utvm/common/subprocess.h"

namespace {
namespace fs = std::filesystem;

const fs::path kUtvm = fs::path(UTVM_BINARY_DIR) / "bin" / "utvm";

int run_utvm(const std::vector<std::string>& args) {
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  utvm::SpawnOptions o;
  o.argv = {kUtvm.string()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
  auto p = utvm::Process::spawn(o);
  int status = p.wait();
  ::close(devnull);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void BM_CliHelp(benchmark::State& state) {
  for (auto _ : state) {
    if (run_utvm({"--help"}) != 0) {
      state.SkipWithError("utvm --help failed");
      break;
    }
  }
}
BENCHMARK(BM_CliHelp)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CliCreateProjectHostLetscope(benchmark::State& state) {
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures/mlf/letscope_int8_v7.tar";
  const fs::path host = fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/host";
  if (!fs::exists(mlf) || !fs::exists(host)) {
    state.SkipWithError("needs the letscope fixture and the host platform template");
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("utvm_cli_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string proj = (dir / "proj").string();
  for (auto _ : state) {
    if (run_utvm({"create-project", proj, mlf.string(), "host", "-f"}) != 0) {
      state.SkipWithError("utvm create-project failed");
      break;
    }
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_CliCreateProjectHostLetscope)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
