// The main job end to end on the host platform, through the real `utvm` binary:
// create-project -> build -> flash -> run -i in.npz -o out.npz, for the example model and every
// shared TVM fixture that compiles for x86. Outputs must be bit-identical to the same MLF sources
// compiled straight into a test program (codegen's HostReference, no utvm link involved).
// Also: what a user gets for bad inputs, broken projects and a device that dies mid-run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fmt/core.h>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "reference.h"
#include "utvm/common/error.h"
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
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string utvm() {
  return std::string(UTVM_BINARY_DIR) + "/bin/utvm";
}

std::string q(const fs::path& p) {
  std::string quoted = "'";  // built by appends: GCC 12 -Wrestrict misfires on "'" + string
  quoted += p.string();
  quoted += '\'';
  return quoted;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("utvm-e2e-{}-{}", name, getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Random bytes that are valid values of `dtype` (floats in [-1, 1), integers anywhere).
std::string random_tensor(const std::string& dtype, std::uint64_t bytes, std::mt19937& rng) {
  std::string data(bytes, '\0');
  if (dtype == "float32") {
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (std::uint64_t i = 0; i + 4 <= bytes; i += 4) {
      float v = d(rng);
      std::memcpy(&data[i], &v, 4);
    }
  } else {
    std::uniform_int_distribution<int> d(0, 255);
    for (auto& c : data)
      c = static_cast<char>(d(rng));
  }
  return data;
}

// Makes, builds and flashes a host project for `archive` in `work`; returns the project dir.
fs::path make_project(const fs::path& archive, const fs::path& work) {
  const fs::path project = work / "project";
  auto r = run_command(fmt::format("{} create-project {} {} host", utvm(), q(project), q(archive)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_command(fmt::format("{} build {}", utvm(), q(project)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_command(fmt::format("{} flash {}", utvm(), q(project)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return project;
}

// Runs the model on the host platform and through the direct reference with the same random
// inputs; the outputs must match bit for bit.
void expect_bit_identical(const fs::path& archive, const std::string& name, bool arm_acle = false) {
  const fs::path work = fresh_dir(name);
  utvm::codegen::testing::HostReference ref(archive, work / "reference", UTVM_SOURCE_DIR);
  if (arm_acle) ref.emulate_arm_acle();
  if (auto why = ref.host_incompatibility()) GTEST_SKIP() << name << ": " << *why;
  const auto& module = ref.module();

  std::mt19937 rng(1234);
  utvm::codegen::testing::Tensors inputs;
  std::vector<std::pair<std::string, utvm::npz::Array>> npz_inputs;
  for (const auto& in : module.inputs) {
    utvm::npz::Array a;
    a.dtype = in.dtype;
    if (in.shape)
      a.shape = *in.shape;
    else
      a.shape = {static_cast<std::int64_t>(in.bytes / utvm::npz::dtype_size(in.dtype))};
    a.data = random_tensor(in.dtype, in.bytes, rng);
    inputs.push_back(a.data);
    npz_inputs.emplace_back(in.name, a);
  }
  utvm::npz::write_npz(work / "in.npz", npz_inputs);
  const auto expected = ref.run_direct(inputs);

  const fs::path project = make_project(archive, work);
  auto r = run_command(fmt::format("{} run {} -i {} -o {}", utvm(), q(project), q(work / "in.npz"),
                                   q(work / "out.npz")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto outputs = utvm::npz::read_npz(work / "out.npz");
  ASSERT_EQ(outputs.size(), expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].first, fmt::format("output_{}", i));
    EXPECT_EQ(outputs[i].second.data, expected[i]) << name << ": output " << i << " differs";
  }
  fs::remove_all(work);
}

fs::path fixture(const std::string& name) {
  return fs::path(UTVM_SHARED_DIR) / "fixtures" / "mlf" / name;
}

#define REQUIRE_FIXTURE(path)                                                               \
  if (!fs::exists(path))                                                                    \
  GTEST_SKIP() << "shared fixture " << (path) << " is absent (../shared not checked out); " \
               << "skipping"

// A model that does not compile is the user's problem, not a server crash: the host platform's
// error quotes the compiler, and the server's traceback frames appear only with -v (issue 13).
TEST(HostEndToEnd, BuildFailureShowsNoServerTraceback) {
  const fs::path work = fresh_dir("broken");
  const fs::path project = work / "project";
  const fs::path mlf = fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar";
  auto r = run_command(fmt::format("{} create-project {} {} host", utvm(), q(project), q(mlf)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::path model_c;
  for (const auto& e : fs::recursive_directory_iterator(project / "model"))
    if (e.path().extension() == ".c") model_c = e.path();
  ASSERT_FALSE(model_c.empty());
  std::ofstream(model_c, std::ios::app) << "\n#error utvm_e2e_boom\n";
  r = run_command(fmt::format("{} build {}", utvm(), q(project)));
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_EQ(r.output.find("Traceback (most recent call last)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run again with -v"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("utvm_e2e_boom"), std::string::npos) << r.output;
  r = run_command(fmt::format("{} build {} -v", utvm(), q(project)));
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_NE(r.output.find("Traceback (most recent call last)"), std::string::npos) << r.output;
  fs::remove_all(work);
}

// `utvm run --build` builds and flashes only when the device is stale: never built, a source
// changed, or built and not flashed since; its stdout stays the run's (issue 13).
TEST(HostEndToEnd, RunBuildDeploysOnlyWhenStale) {
  const fs::path work = fresh_dir("run-build");
  const fs::path project = work / "project";
  const fs::path mlf = fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar";
  auto r = run_command(fmt::format("{} create-project {} {} host", utvm(), q(project), q(mlf)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string run = fmt::format("{} run {} --build --seed 3", utvm(), q(project));
  r = run_command(run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("building and flashing first"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("output_0"), std::string::npos) << r.output;
  r = run_command(run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("is up to date on the device"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("building and flashing"), std::string::npos) << r.output;

  // A changed source: rebuilt, and the run's JSON alone on stdout.
  std::ofstream(project / "src/utvm_glue.c", std::ios::app) << "\n/* edited */\n";
  r = run_command(fmt::format("( {} run {} --build --json 2>/dev/null )", utvm(), q(project)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("{", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("\"outputs\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"schema_version\": 1"), std::string::npos) << r.output;
  r = run_command(run);
  EXPECT_NE(r.output.find("is up to date on the device"), std::string::npos) << r.output;

  // Built but not flashed since: flashed again.
  r = run_command(fmt::format("{} build {}", utvm(), q(project)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("building and flashing first"), std::string::npos) << r.output;
  fs::remove_all(work);
}

TEST(HostEndToEnd, ExampleModelBitIdentical) {
  expect_bit_identical(fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar",
                       "example");
}

TEST(HostEndToEnd, SineAotV5BitIdentical) {
  REQUIRE_FIXTURE(fixture("sine_aot_v5.tar"));
  expect_bit_identical(fixture("sine_aot_v5.tar"), "sine_aot_v5");
}

TEST(HostEndToEnd, YesNoV5BitIdentical) {
  REQUIRE_FIXTURE(fixture("yes_no_v5.tar"));
  expect_bit_identical(fixture("yes_no_v5.tar"), "yes_no_v5");
}

TEST(HostEndToEnd, MatchCpuonlyV7BitIdentical) {
  REQUIRE_FIXTURE(fixture("match_cpuonly_v7.tar"));
  expect_bit_identical(fixture("match_cpuonly_v7.tar"), "match_cpuonly_v7");
}

// Scheduled for Arm DSP (arm_acle.h intrinsics): the host project gets a portable emulation.
TEST(HostEndToEnd, LetscopeInt8V7BitIdentical) {
  REQUIRE_FIXTURE(fixture("letscope_int8_v7.tar"));
  expect_bit_identical(fixture("letscope_int8_v7.tar"), "letscope_int8_v7", /*arm_acle=*/true);
}

// A graph-executor MLF made by TVM 0.16, lowered to static C: outputs equal TVM's own.
TEST(HostEndToEnd, Tvm016GraphMatchesTvmOutputs) {
  const fs::path dir = fs::path(UTVM_SHARED_DIR) / "fixtures" / "tvm016";
  REQUIRE_FIXTURE(dir / "sine_graph.tar");
  const fs::path work = fresh_dir("tvm016");
  const fs::path project = make_project(dir / "sine_graph.tar", work);
  auto r = run_command(fmt::format("{} run {} -i {} -o {}", utvm(), q(project),
                                   q(dir / "sine_inputs.npz"), q(work / "out.npz")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto got = utvm::npz::read_npz(work / "out.npz");
  const auto want = utvm::npz::read_npz(dir / "sine_outputs.npz");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(got[0].second.dtype, "float32");
  float g, w;
  std::memcpy(&g, got[0].second.data.data(), 4);
  std::memcpy(&w, want[0].second.data.data(), 4);
  EXPECT_NEAR(g, w, 1e-6);
  fs::remove_all(work);
}

// ---- bad input, broken projects, dying devices ------------------------------------------------

class HostBadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = fresh_dir("bad");
    project_ =
        make_project(fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar", work_);
  }
  static void TearDownTestSuite() { fs::remove_all(work_); }

  static CommandResult run_with(const std::vector<std::pair<std::string, utvm::npz::Array>>& in) {
    const fs::path file = work_ / "in.npz";
    utvm::npz::write_npz(file, in);
    return run_command(fmt::format("{} run {} -i {}", utvm(), q(project_), q(file)));
  }

  static utvm::npz::Array input(std::string dtype, std::vector<std::int64_t> shape) {
    utvm::npz::Array a;
    a.dtype = std::move(dtype);
    a.shape = std::move(shape);
    std::uint64_t n = 1;
    for (auto d : a.shape)
      n *= static_cast<std::uint64_t>(d);
    a.data.assign(n * utvm::npz::dtype_size(a.dtype), '\0');
    return a;
  }

  // A copy of the project whose device program is replaced by a shell script; the real program
  // stays beside it as build/utvm-device.real (the script finds it through "$d").
  static fs::path with_device_script(const std::string& name, const std::string& body) {
    const fs::path copy = work_ / name;
    fs::copy(project_, copy, fs::copy_options::recursive);
    const fs::path device = copy / "build" / "utvm-device";
    fs::rename(device, copy / "build" / "utvm-device.real");
    std::ofstream(device) << "#!/bin/sh\nd=$(dirname \"$0\")\n" << body;
    fs::permissions(device, fs::perms::owner_all);
    return copy;
  }

  static inline fs::path work_, project_;
};

constexpr int kBadInput = static_cast<int>(utvm::ExitCode::kBadInput);

TEST_F(HostBadInput, WrongNameListsExpectedInputs) {
  auto r = run_with({{"nope", input("float32", {1, 4})}});
  EXPECT_EQ(r.exit_code, kBadInput) << r.output;
  EXPECT_NE(r.output.find("the input tensor 'nope' is not in the graph. Expected inputs: "
                          "'['input']'"),
            std::string::npos)
      << r.output;
}

TEST_F(HostBadInput, WrongDtype) {
  auto r = run_with({{"input", input("int8", {1, 4})}});
  EXPECT_EQ(r.exit_code, kBadInput) << r.output;
  EXPECT_NE(r.output.find("dtype int8, the model wants float32"), std::string::npos) << r.output;
}

TEST_F(HostBadInput, WrongShape) {
  auto r = run_with({{"input", input("float32", {2, 4})}});
  EXPECT_EQ(r.exit_code, kBadInput) << r.output;
  EXPECT_NE(r.output.find("shape (2, 4), the model wants (1, 4)"), std::string::npos) << r.output;
}

TEST_F(HostBadInput, TruncatedNpz) {
  const fs::path file = work_ / "trunc.npz";
  utvm::npz::write_npz(file, {{"input", input("float32", {1, 4})}});
  fs::resize_file(file, fs::file_size(file) / 2);
  auto r = run_command(fmt::format("{} run {} -i {}", utvm(), q(project_), q(file)));
  EXPECT_EQ(r.exit_code, kBadInput) << r.output;
  EXPECT_NE(r.output.find("trunc.npz"), std::string::npos) << r.output;
}

TEST_F(HostBadInput, MissingInputsFile) {
  auto r = run_command(fmt::format("{} run {} -i {}", utvm(), q(project_), q(work_ / "no.npz")));
  EXPECT_EQ(r.exit_code, kBadInput) << r.output;
  EXPECT_NE(r.output.find("no.npz"), std::string::npos) << r.output;
}

TEST_F(HostBadInput, ProjectWithoutServer) {
  const fs::path broken = work_ / "no-server";
  fs::create_directories(broken);
  auto r = run_command(fmt::format("{} run {}", utvm(), q(broken)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kServerNotFound)) << r.output;
}

TEST_F(HostBadInput, ProjectWithoutBuild) {
  const fs::path copy = work_ / "unbuilt";
  fs::copy(project_, copy, fs::copy_options::recursive);
  fs::remove_all(copy / "build");
  auto r = run_command(fmt::format("{} run {}", utvm(), q(copy)));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("run build first"), std::string::npos) << r.output;
  fs::remove_all(copy);
}

// --expected: the same inputs reproduce the outputs bit for bit (exit 0); a changed expectation
// is an output mismatch (exit 9) that names the output and the element.
TEST_F(HostBadInput, ExpectedOutputsMatchOrExit9) {
  const fs::path in = work_ / "expect-in.npz", want = work_ / "expect-want.npz";
  utvm::npz::write_npz(in, {{"input", input("float32", {1, 4})}});
  const fs::path examples = fs::path(UTVM_BINARY_DIR) / "share/utvm/examples";
  // The shipped sample input gives the shipped reference output (computed by the generator).
  auto r = run_command(fmt::format("{} run {} -i {} --expected {} --rtol 1e-5 --atol 1e-6", utvm(),
                                   q(project_), q(examples / "example_mlp_inputs.npz"),
                                   q(examples / "example_mlp_outputs.npz")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Zeros in, that reference expected: a mismatch.
  r = run_command(fmt::format("{} run {} -i {} -o {} --expected {}", utvm(), q(project_), q(in),
                              q(want), q(examples / "example_mlp_outputs.npz")));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kOutputMismatch)) << r.output;
  EXPECT_NE(r.output.find("output_0: "), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(want)) << "outputs are written even when they differ";
  r = run_command(
      fmt::format("{} run {} -i {} --expected {}", utvm(), q(project_), q(in), q(want)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bit for bit"), std::string::npos) << r.output;
  auto arrays = utvm::npz::read_npz(want);
  arrays[0].second.data[0] ^= 1;  // one bit of the first element
  utvm::npz::write_npz(want, arrays);
  r = run_command(
      fmt::format("{} run {} -i {} --expected {}", utvm(), q(project_), q(in), q(want)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kOutputMismatch)) << r.output;
  EXPECT_NE(r.output.find("1 of"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("flat index 0"), std::string::npos) << r.output;
  r = run_command(fmt::format("{} run {} -i {} --expected {} --atol 1e-3", utvm(), q(project_),
                              q(in), q(want)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// The device program dies after a few bytes: a transport error (exit 8) that says so, no hang.
TEST_F(HostBadInput, DeviceExitsMidRun) {
  const fs::path copy = with_device_script("dying", "head -c 8 >/dev/null\nexit 3\n");
  auto r = run_command(fmt::format("{} run {} --timeout 2", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kTransport)) << r.output;
  fs::remove_all(copy);
}

// The device "reboots" part-way through the session: a fresh device process, with empty inputs,
// takes over the link after the first 85 bytes of requests (HELLO, two TENSOR_INFO, SET_INPUT and
// RUN are 78; the cut falls inside GET_OUTPUT). The link repairs the cut frame by resending it, so
// every request gets an answer, but the fresh device's outputs are zeros (before session tokens
// utvm printed them and exited 0): run must fail with exit 8 and say the device reset. dd moves
// one byte at a time, so the first device sees each request at once.
TEST_F(HostBadInput, DeviceResetMidRunIsDetected) {
  const fs::path copy =
      with_device_script("rebooting",
                         "dd bs=1 count=85 2>/dev/null | \"$d/utvm-device.real\"\n"
                         "exec \"$d/utvm-device.real\"\n");
  const fs::path out = work_ / "rebooting-out.npz";
  auto r = run_command(
      fmt::format("{} run {} --fill-mode ones --timeout 0.5 -o {}", utvm(), q(copy), q(out)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kTransport)) << r.output;
  EXPECT_NE(r.output.find("the device reset during the session"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out)) << "outputs of a reset device were written";
  fs::remove_all(copy);
}

// The model hangs on the device: the device answers HELLO, TENSOR_INFO and SET_INPUT (the first
// 66 bytes of requests), then swallows RUN forever. --run-timeout bounds the wait (the default
// would retry 120 s RUNs five times), and the error names RUN.
TEST_F(HostBadInput, HungRunEndsAtTheRunTimeout) {
  // fd 3 keeps the link's output end open while cat swallows RUN
  const fs::path copy =
      with_device_script("hung",
                         "dd bs=1 count=66 2>/dev/null | \"$d/utvm-device.real\"\n"
                         "exec cat 3>&1 >/dev/null\n");
  auto r = run_command(
      fmt::format("{} run {} --fill-mode ones --timeout 2 --run-timeout 0.3", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kTransport)) << r.output;
  EXPECT_NE(r.output.find("RUN failed after 5 attempts: no answer within 300 ms"),
            std::string::npos)
      << r.output;
  r = run_command(fmt::format("{} run {} --run-timeout 0", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kUsage)) << r.output;
  EXPECT_NE(r.output.find("--run-timeout"), std::string::npos) << r.output;
  fs::remove_all(copy);
}

// A device that never answers ends in a timeout error, not a hang.
TEST_F(HostBadInput, SilentDeviceTimesOut) {
  const fs::path copy = with_device_script("silent", "exec cat >/dev/null\n");
  auto r = run_command(fmt::format("{} run {} --timeout 0.2", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kTransport)) << r.output;
  fs::remove_all(copy);
}

// ---- utvm validate: the device against a host build of the same model -----------------------

// The example host project against its own host reference: bit for bit, exit 0, metrics shown;
// a second run reuses the reference; --json says the same.
TEST_F(HostBadInput, ValidatePassesBitForBit) {
  auto r =
      run_command(fmt::format("{} validate {} --fill-mode random --seed 3", utvm(), q(project_)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want :
       {"output_0 (", "float32 [1, 3]", "max abs error 0", "RMSE 0", "cosine 1.000000",
        "top-1 agrees", "bit-identical", "outputs match the host reference (bit for bit)"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  const fs::path ref_model = project_ / ".utvm" / "reference-host" / "model.tar";
  ASSERT_TRUE(fs::exists(ref_model));
  EXPECT_TRUE(fs::exists(project_ / ".utvm" / ".gitignore")) << "the cache would be committed";
  const auto made = fs::last_write_time(ref_model);
  r = run_command(
      fmt::format("{} validate {} --json -i {}", utvm(), q(project_),
                  q(fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp_inputs.npz")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fs::last_write_time(ref_model), made) << "the reference was regenerated";
  for (const char* want : {"\"pass\": true", "\"bit_identical\": true", "\"max_abs_error\": 0.0",
                           "\"rmse\": 0.0", "\"cosine_similarity\": 1.0", "\"top1_agree\": true"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
}

// A copy whose device computes something else (the last bias in the model's C source changed
// from -0.039 to -2.5, then rebuilt): with zeros in, the outputs are [-0.073, -0.118, 0.126] on
// the reference and output 2 drops by 2.46 on the device, so the argmax moves from 2 to 0.
// Exact comparison fails with exit 9; --atol 3 accepts it.
TEST_F(HostBadInput, ValidateMismatchExits9) {
  const fs::path copy = work_ / "drifted";
  fs::remove_all(copy);
  fs::copy(project_, copy, fs::copy_options::recursive);
  fs::remove_all(copy / ".utvm");
  fs::remove_all(copy / "build");  // its build.ninja names the original's sources
  const std::string bias = "-0x1.5p-3f, +0x1.08p-3f, -0x1.4p-5f";
  int edited = 0;
  for (const auto& entry : fs::recursive_directory_iterator(copy)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".c") continue;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(bias);
    if (at == std::string::npos) continue;
    text.replace(at, bias.size(), "-0x1.5p-3f, +0x1.08p-3f, -0x1.4p+1f");
    std::ofstream(entry.path()) << text;
    ++edited;
  }
  ASSERT_EQ(edited, 1) << "the example model's output bias was not found in " << copy;
  auto r = run_command(fmt::format("{} build {}", utvm(), q(copy)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(fmt::format("{} validate {} --fill-mode zeros", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kOutputMismatch)) << r.output;
  for (const char* want : {"max abs error 2.46", "top-1 differs (0 vs 2)",
                           "outputs differ from the host reference (bit for bit)",
                           "output_0: 1 of 3 elements differ; worst at flat index 2"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  EXPECT_EQ(r.output.find("bit-identical"), std::string::npos) << r.output;
  r = run_command(fmt::format("{} validate {} --fill-mode zeros --atol 3 --json", utvm(), q(copy)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"top1_agree\": false"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"pass\": true"), std::string::npos) << r.output;
  fs::remove_all(copy);
}

TEST_F(HostBadInput, ValidateBadOptionIsUsageError) {
  auto r = run_command(fmt::format("{} validate {} --rtol -1", utvm(), q(project_)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kUsage)) << r.output;
  EXPECT_NE(r.output.find("--rtol"), std::string::npos) << r.output;
  r = run_command(fmt::format("{} validate {} --fill-mode sometimes", utvm(), q(project_)));
  EXPECT_EQ(r.exit_code, static_cast<int>(utvm::ExitCode::kUsage)) << r.output;
}

}  // namespace
