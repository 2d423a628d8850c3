#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "example_mlf.h"
#include "utvm/npz/npz.h"

namespace utvm::tools {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs a shell command, returns its exit status and stdout.
int run(const std::string& cmd, std::string* out = nullptr) {
  const fs::path log = fs::temp_directory_path() / ("utvm_mlf_test_" + std::to_string(getpid()));
  const int rc = std::system((cmd + " > '" + log.string() + "' 2>&1").c_str());
  if (out) *out = slurp(log);
  fs::remove(log);
  return rc;
}

// The float32 [1, n] array `key` from an .npz the build generated.
std::vector<float> read_f32(const fs::path& npz, const std::string& key, int n) {
  const auto arrays = npz::read_npz(npz);
  EXPECT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays.at(0).first, key);
  EXPECT_EQ(arrays.at(0).second.dtype, "float32");
  EXPECT_EQ(arrays.at(0).second.shape, (std::vector<std::int64_t>{1, n}));
  std::vector<float> v(static_cast<std::size_t>(n));
  EXPECT_EQ(arrays.at(0).second.data.size(), v.size() * 4);
  std::memcpy(v.data(), arrays.at(0).second.data.data(),
              std::min(v.size() * 4, arrays.at(0).second.data.size()));
  return v;
}

class ExampleMlf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("utvm_example_mlf_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const std::vector<std::string> kMembers = {
    "./",
    "./codegen/",
    "./codegen/host/",
    "./codegen/host/include/",
    "./codegen/host/include/tvmgen_default.h",
    "./codegen/host/src/",
    "./codegen/host/src/default_lib0.c",
    "./codegen/host/src/default_lib1.c",
    "./metadata.json",
    "./parameters/",
    "./parameters/default.params",
    "./src/",
    "./src/default.relay",
};

TEST_F(ExampleMlf, GeneratorIsReproducibleByteForByte) {
  const fs::path a = dir_ / "a.tar", b = dir_ / "b.tar";
  ASSERT_EQ(run(std::string("'") + UTVM_MAKE_EXAMPLE_MLF + "' '" + a.string() + "'"), 0);
  sleep(1);  // a clock-dependent writer would now differ
  ASSERT_EQ(run(std::string("'") + UTVM_MAKE_EXAMPLE_MLF + "' '" + b.string() + "'"), 0);
  const std::string bytes = slurp(a);
  ASSERT_GT(bytes.size(), 0u);
  EXPECT_EQ(bytes.size() % 10240, 0u);  // whole tar records, like Python's tarfile
  EXPECT_EQ(bytes, slurp(b));
  EXPECT_EQ(bytes, slurp(UTVM_EXAMPLE_MLP_TAR)) << "the build's copy differs";
  // In-process writer gives the same bytes; no temporary file is left behind.
  write_example_mlf(dir_ / "c.tar");
  EXPECT_EQ(bytes, slurp(dir_ / "c.tar"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 3);
}

TEST_F(ExampleMlf, GeneratorReportsUsageAndWriteErrors) {
  EXPECT_NE(run(std::string("'") + UTVM_MAKE_EXAMPLE_MLF + "'"), 0);
  std::string out;
  EXPECT_NE(run(std::string("'") + UTVM_MAKE_EXAMPLE_MLF + "' /nonexistent/dir/x.tar", &out), 0);
  EXPECT_NE(out.find("/nonexistent/dir/x.tar"), std::string::npos) << out;
}

TEST_F(ExampleMlf, SystemTarListsTheTvmLayout) {
  std::string listing;
  ASSERT_EQ(run(std::string("tar -tf '") + UTVM_EXAMPLE_MLP_TAR + "'", &listing), 0) << listing;
  std::vector<std::string> names;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);)
    names.push_back(line);
  EXPECT_EQ(names, kMembers);

  std::string verbose;
  ASSERT_EQ(run(std::string("tar --numeric-owner -tvf '") + UTVM_EXAMPLE_MLP_TAR + "'", &verbose),
            0);
  std::istringstream vin(verbose);
  std::string first;
  std::getline(vin, first);
  EXPECT_EQ(first.rfind("drwx------ 0/0", 0), 0u) << first;
  for (std::string line; std::getline(vin, line);) {
    EXPECT_TRUE(line.rfind("drwxr-xr-x 0/0", 0) == 0 || line.rfind("-rw-r--r-- 0/0", 0) == 0)
        << line;
  }
  std::string named;
  ASSERT_EQ(run(std::string("tar -tvf '") + UTVM_EXAMPLE_MLP_TAR + "'", &named), 0);
  EXPECT_NE(named.find("root/root"), std::string::npos) << named;

  const fs::path x = dir_ / "x";
  fs::create_directories(x);
  ASSERT_EQ(run("tar -xf '" + std::string(UTVM_EXAMPLE_MLP_TAR) + "' -C '" + x.string() + "'"), 0);
  for (const MlfMember& m : example_mlf_members()) {
    if (m.path.empty() || m.path.back() == '/') {
      EXPECT_TRUE(fs::is_directory(x / m.path)) << m.path;
    } else {
      EXPECT_EQ(slurp(x / m.path), m.content) << m.path;
    }
  }
}

TEST(ExampleMlfContent, MetadataIsVersion7AndConsistentWithTheHeader) {
  std::string meta, header, lib0, params;
  for (const MlfMember& m : example_mlf_members()) {
    if (m.path == "metadata.json") meta = m.content;
    if (m.path == "codegen/host/include/tvmgen_default.h") header = m.content;
    if (m.path == "codegen/host/src/default_lib0.c") lib0 = m.content;
    if (m.path == "parameters/default.params") params = m.content;
  }
  const auto doc = nlohmann::json::parse(meta);
  EXPECT_EQ(doc.dump(2), meta);  // indent 2, sorted keys
  EXPECT_EQ(doc["version"], 7);
  const auto& mod = doc["modules"]["default"];
  EXPECT_EQ(mod["executors"], nlohmann::json::array({"aot"}));
  EXPECT_EQ(mod["style"], "full-model");
  EXPECT_EQ(mod["model_name"], "default");
  EXPECT_EQ(mod["external_dependencies"][0]["url"], "./runtime");
  const auto& main = mod["memory"]["functions"]["main"][0];
  EXPECT_EQ(main["inputs"]["input"]["dtype"], "float32");
  EXPECT_EQ(main["inputs"]["input"]["size"], kMlpInputs * 4);
  EXPECT_EQ(main["outputs"]["output"]["size"], kMlpOutputs * 4);
  EXPECT_EQ(main["io_size_bytes"], (kMlpInputs + kMlpOutputs) * 4);
  const int ws = main["workspace_size_bytes"];
  EXPECT_NE(header.find("#define TVMGEN_DEFAULT_WORKSPACE_SIZE " + std::to_string(ws) + "\n"),
            std::string::npos);
  EXPECT_NE(header.find("#define TVMGEN_DEFAULT_INPUT_SIZE 16\n"), std::string::npos);
  EXPECT_NE(header.find("#define TVMGEN_DEFAULT_OUTPUT_SIZE 12\n"), std::string::npos);
  EXPECT_NE(lib0.find("tvmgen_default___tvm_main__(inputs->input,outputs->output)"),
            std::string::npos);
  EXPECT_EQ(mod["memory"]["functions"]["operator_functions"].size(), 2u);
  EXPECT_EQ(params.size(), 32u);
}

// Compiles the archive's C with gcc -std=c99 -Wall -Werror against the device's TVM headers,
// runs it with a bump-allocator workspace and compares with reference_forward().
TEST_F(ExampleMlf, GeneratedCCompilesAndComputesTheReference) {
  const fs::path inc = UTVM_DEVICE_INCLUDE;
  if (!fs::exists(inc / "tvm" / "runtime" / "c_backend_api.h")) {
    GTEST_SKIP() << "no TVM runtime headers in " << inc << " yet";
  }
  if (run("command -v gcc") != 0) GTEST_SKIP() << "gcc not found";
  const fs::path x = dir_ / "x";
  fs::create_directories(x);
  ASSERT_EQ(run("tar -xf '" + std::string(UTVM_EXAMPLE_MLP_TAR) + "' -C '" + x.string() + "'"), 0);
  std::ofstream(dir_ / "harness.c") << R"(#include <stdio.h>
#include <stdlib.h>
#include <tvm/runtime/c_backend_api.h>
#include <tvmgen_default.h>
static unsigned char arena[TVMGEN_DEFAULT_WORKSPACE_SIZE];
static size_t used;
static int allocs;
void* TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes,
                               int dtype_code_hint, int dtype_bits_hint) {
  void* p;
  (void)device_type; (void)device_id; (void)dtype_code_hint; (void)dtype_bits_hint;
  if (used + nbytes > sizeof arena) return NULL;
  p = arena + used;
  used += nbytes;
  ++allocs;
  return p;
}
int TVMBackendFreeWorkspace(int device_type, int device_id, void* ptr) {
  (void)device_type; (void)device_id;
  used = (size_t)((unsigned char*)ptr - arena);
  return 0;
}
int main(int argc, char** argv) {
  float in[4], out[3];
  struct tvmgen_default_inputs inputs;
  struct tvmgen_default_outputs outputs;
  int i, rc;
  if (argc != 5) return 2;
  for (i = 0; i < 4; ++i) in[i] = strtof(argv[i + 1], NULL);
  inputs.input = in;
  outputs.output = out;
  rc = tvmgen_default_run(&inputs, &outputs);
  printf("%d %d %d %a %a %a\n", rc, allocs, (int)used, out[0], out[1], out[2]);
  return 0;
}
)";
  const std::string src = (x / "codegen/host/src").string();
  const std::string exe = (dir_ / "mlp").string();
  std::string log;
  ASSERT_EQ(
      run("gcc -std=c99 -Wall -Werror -O1 -I'" + inc.string() + "' -I'" +
              (x / "codegen/host/include").string() + "' '" + src + "/default_lib0.c' '" + src +
              "/default_lib1.c' '" + (dir_ / "harness.c").string() + "' -lm -o '" + exe + "'",
          &log),
      0)
      << log;

  const auto sample_in = read_f32(UTVM_EXAMPLE_MLP_INPUTS, "input", kMlpInputs);
  const auto sample_out = read_f32(UTVM_EXAMPLE_MLP_OUTPUTS, "output", kMlpOutputs);
  const std::vector<std::array<float, kMlpInputs>> inputs = {
      {sample_in[0], sample_in[1], sample_in[2], sample_in[3]},
      {1.0f, 1.0f, 1.0f, 1.0f},
      {-3.0f, 0.75f, -0.125f, 4.0f}};
  bool first = true;
  for (const auto& in : inputs) {
    std::string cmd = "'" + exe + "'";
    for (float v : in) {
      cmd += ' ';  // (separate appends dodge a GCC 12 -Wrestrict false positive)
      cmd += std::to_string(v);
    }
    std::string out;
    ASSERT_EQ(run(cmd, &out), 0) << out;
    int rc = -1, allocs = -1, used = -1;
    char o[3][64];
    ASSERT_EQ(
        std::sscanf(out.c_str(), "%d %d %d %63s %63s %63s", &rc, &allocs, &used, o[0], o[1], o[2]),
        6)
        << out;
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(allocs, 1);  // one intermediate from the workspace ...
    EXPECT_EQ(used, 0);    // ... freed again
    const auto want = reference_forward(in);
    for (int j = 0; j < kMlpOutputs; ++j) {
      EXPECT_NEAR(std::strtof(o[j], nullptr), want[j], 1e-5f) << "output " << j << ": " << out;
      if (first) {
        EXPECT_NEAR(std::strtof(o[j], nullptr), sample_out[j], 1e-5f) << "sample " << j;
      }
    }
    first = false;
  }
}

TEST(ExampleMlfContent, SampleNpzFilesHoldAnInputAndItsReferenceOutput) {
  const auto in = read_f32(UTVM_EXAMPLE_MLP_INPUTS, "input", kMlpInputs);
  const auto out = read_f32(UTVM_EXAMPLE_MLP_OUTPUTS, "output", kMlpOutputs);
  const auto want = reference_forward({in[0], in[1], in[2], in[3]});
  for (int j = 0; j < kMlpOutputs; ++j)
    EXPECT_EQ(out[j], want[j]) << j;
}

TEST(ExampleMlfContent, ReferenceIsANonTrivialMlp) {
  // Hand-checked relu behaviour: with all-zero input the hidden layer is relu(b1), so the output
  // is W2 . relu(b1) + b2.
  const MlpWeights& w = example_mlp_weights();
  const auto out = reference_forward({0, 0, 0, 0});
  for (int j = 0; j < kMlpOutputs; ++j) {
    float acc = 0;
    for (int k = 0; k < kMlpHidden; ++k)
      acc += w.w2[j * kMlpHidden + k] * std::max(w.b1[k], 0.f);
    EXPECT_FLOAT_EQ(out[j], acc + w.b2[j]);
  }
  // Different inputs give different outputs, and some hidden unit is cut off by relu.
  EXPECT_NE(reference_forward({1, 2, 3, 4}), reference_forward({-1, 2, -3, 4}));
  int negative_bias = 0;
  for (float b : w.b1)
    negative_bias += b < 0;
  EXPECT_GT(negative_bias, 0);
}

}  // namespace
}  // namespace utvm::tools
