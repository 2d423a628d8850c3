// Issue 11 §2-3 end to end through the real `utvm` binary, with MLFs made by TVM 0.16 and TVM's
// own outputs (../shared/fixtures/tvm016): packed AOT with C metadata (sine_aot_packed.tar) and
// two modules in one archive (multi_module_aot.tar: multi_io and sine). Each runs create-project
// -> build -> flash -> run on the host platform and on the baremetal boards mps2_an386 (Cortex-M4)
// and mps2_an521 (Cortex-M33) under QEMU; the outputs must equal TVM's bit for bit, and the
// microcontroller's must equal the host's. Also the --module usage errors (exit 2).
// Labelled slow (cross builds and QEMU); the baremetal cases skip without arm-none-eabi-gcc or
// qemu-system-arm, everything skips without ../shared.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "utvm/npz/npz.h"

namespace fs = std::filesystem;

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string q(const fs::path& p) {
  std::string quoted = "'";
  quoted += p.string();
  quoted += '\'';
  return quoted;
}

const fs::path kFixtures = fs::path(UTVM_SHARED_DIR) / "fixtures" / "tvm016";
const std::string kUtvm = std::string(UTVM_BINARY_DIR) + "/bin/utvm";

bool on_path(const char* tool) {
  return run_command(fmt::format("command -v {}", tool)).exit_code == 0;
}

#define REQUIRE_FIXTURES()                             \
  if (!fs::exists(kFixtures / "multi_module_aot.tar")) \
  GTEST_SKIP() << "shared fixtures " << kFixtures << " are absent (../shared not checked out)"

#define REQUIRE_CORTEX_M_TOOLS()                                    \
  if (!on_path("arm-none-eabi-gcc") || !on_path("qemu-system-arm")) \
  GTEST_SKIP() << "needs arm-none-eabi-gcc and qemu-system-arm on PATH (scripts/install-deps.sh)"

// A scratch directory removed at the end of the test.
class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : dir_(fs::temp_directory_path() / fmt::format("utvm-tvm016-{}-{}", name, getpid())) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// create-project, build and flash `archive` for `platform` (extra create-project words after it).
fs::path make_project(const fs::path& work, const std::string& name, const fs::path& archive,
                      const std::string& platform, const std::string& extra = "") {
  const fs::path project = work / name;
  for (const std::string& step :
       {fmt::format("create-project {} {} {} {}", q(project), q(archive), platform, extra),
        fmt::format("build {}", q(project)), fmt::format("flash {}", q(project))}) {
    const auto r = run_command(kUtvm + " " + step);
    EXPECT_EQ(r.exit_code, 0) << step << ":\n" << r.output;
    if (r.exit_code != 0) return {};
  }
  return project;
}

// `utvm run` with TVM's inputs, checked against TVM's outputs bit for bit (--expected, exit 9 on
// any difference); returns the outputs it wrote.
std::vector<std::pair<std::string, utvm::npz::Array>> run_against_tvm(const fs::path& project,
                                                                      const std::string& module,
                                                                      const std::string& model,
                                                                      const fs::path& out) {
  const std::string module_arg = module.empty() ? "" : "--module " + module;
  const auto r = run_command(fmt::format(
      "{} run {} {} -i {} -o {} --expected {}", kUtvm, q(project), module_arg,
      q(kFixtures / (model + "_inputs.npz")), q(out), q(kFixtures / (model + "_outputs.npz"))));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(bit for bit)"), std::string::npos) << r.output;
  if (r.exit_code != 0) return {};
  return utvm::npz::read_npz(out);
}

void expect_same_bytes(const std::vector<std::pair<std::string, utvm::npz::Array>>& a,
                       const std::vector<std::pair<std::string, utvm::npz::Array>>& b,
                       const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  ASSERT_FALSE(a.empty()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first) << what;
    EXPECT_EQ(a[i].second.dtype, b[i].second.dtype) << what;
    EXPECT_EQ(a[i].second.shape, b[i].second.shape) << what;
    EXPECT_EQ(a[i].second.data, b[i].second.data) << what << ": output " << i << " differs";
  }
}

// Every fixture case on one platform; returns outputs keyed "<project>/<module>".
struct Outputs {
  std::vector<std::pair<std::string, utvm::npz::Array>> packed_sine, multi_io, multi_sine;
};

Outputs run_all(const fs::path& work, const std::string& platform, const std::string& extra) {
  Outputs o;
  const fs::path packed =
      make_project(work, "packed", kFixtures / "sine_aot_packed.tar", platform, extra);
  if (!packed.empty()) o.packed_sine = run_against_tvm(packed, "", "sine", work / "packed.npz");
  const fs::path multi =
      make_project(work, "multi", kFixtures / "multi_module_aot.tar", platform, extra);
  if (!multi.empty()) {
    o.multi_io = run_against_tvm(multi, "multi_io", "multi_io", work / "multi_io.npz");
    o.multi_sine = run_against_tvm(multi, "sine", "sine", work / "multi_sine.npz");
  }
  return o;
}

}  // namespace

TEST(Tvm016Aot, PackedAotReadsItsCMetadata) {
  REQUIRE_FIXTURES();
  const auto r =
      run_command(fmt::format("{} info --json {}", kUtvm, q(kFixtures / "sine_aot_packed.tar")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"c_metadata\": true"), std::string::npos) << r.output;
  // The Relay text lists the linked weights as @main parameters too; the C metadata and
  // metadata.json agree there is one input, of shape (1, 1).
  const auto text =
      run_command(fmt::format("{} info {}", kUtvm, q(kFixtures / "sine_aot_packed.tar")));
  EXPECT_NE(text.output.find("dense_input                  float32  shape (1, 1)"),
            std::string::npos)
      << text.output;
  EXPECT_EQ(text.output.find("d1_w"), std::string::npos) << text.output;
}

// Host first, then both Cortex-M boards against it (and against TVM).
TEST(Tvm016Aot, HostAndCortexMMatchTvmBitForBit) {
  REQUIRE_FIXTURES();
  Scratch scratch("e2e");
  const Outputs host = run_all(scratch.dir() / "host", "host", "");
  ASSERT_FALSE(host.packed_sine.empty());
  ASSERT_FALSE(host.multi_io.empty());
  // The same model as one module of a multi-module archive gives the same bytes.
  expect_same_bytes(host.packed_sine, host.multi_sine, "host: packed sine vs multi-module sine");
  REQUIRE_CORTEX_M_TOOLS();
  for (const char* board : {"mps2_an386", "mps2_an521"}) {
    const Outputs mcu = run_all(scratch.dir() / board, "baremetal",
                                fmt::format("--project-option board={}", board));
    expect_same_bytes(mcu.packed_sine, host.packed_sine, fmt::format("{}: packed sine", board));
    expect_same_bytes(mcu.multi_io, host.multi_io, fmt::format("{}: multi_io", board));
    expect_same_bytes(mcu.multi_sine, host.multi_sine, fmt::format("{}: sine module", board));
  }
}

// A multi-module project needs --module (exit 2 listing the modules), as does an unknown name;
// validate checks it before building its reference.
TEST(Tvm016Aot, ModuleMissingOrUnknownIsAUsageError) {
  REQUIRE_FIXTURES();
  Scratch scratch("usage");
  const fs::path project = scratch.dir() / "multi";
  auto r = run_command(fmt::format("{} create-project {} {} host", kUtvm, q(project),
                                   q(kFixtures / "multi_module_aot.tar")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string command : {"run", "validate"}) {
    r = run_command(fmt::format("{} {} {}", kUtvm, command, q(project)));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("holds 2 modules (multi_io, sine): choose one with --module NAME"),
              std::string::npos)
        << r.output;
    r = run_command(fmt::format("{} {} {} --module Sine", kUtvm, command, q(project)));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--module Sine: the model of"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("has no such module (its modules: multi_io, sine)"), std::string::npos)
        << r.output;
  }
  // Nothing was built for the refused commands.
  EXPECT_FALSE(fs::exists(project / ".utvm")) << "validate built its reference before checking";
}
