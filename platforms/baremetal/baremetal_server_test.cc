// The baremetal Project API handler end to end: generate_project → build → flash →
// open_transport, then utvm's LinkClient through read_transport/write_transport, on the example
// model and the TVM fixtures. Outputs must equal the host's (the same glue compiled natively).
// Also: the memory report, a model too big for the board (before and after linking), and the
// errors of each step. Skips without qemu-system-arm / arm-none-eabi-gcc (and fixtures without
// /work/shared).
#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "baremetal_server.h"
#include "common/testing/handler_stream.h"
#include "example_mlf.h"
#include "reference.h"
#include "test_firmware/build_firmware.h"
#include "utvm/common/error.h"
#include "utvm/link/link_client.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms::baremetal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

#define SKIP_WITHOUT_TOOLS()                                                 \
  do {                                                                       \
    std::string missing = ::utvm::baremetal::testing::missing_tools();       \
    if (!missing.empty()) GTEST_SKIP() << "needs " << missing << " on PATH"; \
  } while (0)

using test_support::HandlerStream;

// A scratch area laid out like an installation: <root>/platforms/baremetal (template) and
// <root>/device (runtime sources with dlpack.h), as the build tree's share/utvm has them.
struct Install {
  fs::path root, template_dir, device;
};

const Install& install() {
  static Install inst = [] {
    Install i;
    // Per process: ctest runs the test cases of this file in parallel processes.
    i.root = fs::path(UTVM_BINARY_DIR) / ("test-baremetal-install-" + std::to_string(::getpid()));
    fs::remove_all(i.root);
    i.template_dir = i.root / "platforms" / "baremetal";
    i.device = i.root / "device";
    const fs::path src = UTVM_SOURCE_DIR;
    fs::create_directories(i.template_dir);
    for (const char* f : {"CMakeLists.txt", "arm-none-eabi.cmake", "platform.json"})
      fs::copy_file(src / "platforms/baremetal/template" / f, i.template_dir / f);
    fs::copy_file(src / "platforms/baremetal/boards.json", i.template_dir / "boards.json");
    auto rec = fs::copy_options::recursive;
    fs::create_directories(i.device / "ports");
    fs::copy(src / "device/include", i.device / "include", rec);
    fs::copy(src / "device/src", i.device / "src", rec);
    fs::copy(src / "device/ports/cortexm", i.device / "ports/cortexm", rec);
    fs::create_directories(i.device / "include/dlpack");
    fs::copy_file("/usr/include/dlpack/dlpack.h", i.device / "include/dlpack/dlpack.h");
    return i;
  }();
  static struct Cleanup {
    fs::path root;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  } cleanup{inst.root};
  return inst;
}

fs::path fresh_project(const std::string& name) {
  fs::path p = fs::path(UTVM_BINARY_DIR) / "test-baremetal-projects" / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

fs::path example_mlf() {
  fs::path p = install().root / "example_mlp.tar";
  fs::create_directories(p.parent_path());
  tools::write_example_mlf(p);
  return p;
}

// generate_project + build + flash; returns the project directory.
fs::path make_project(const fs::path& mlf, const std::string& board, const std::string& name,
                      json options = json::object()) {
  const Install& inst = install();
  fs::path project = fresh_project(name);
  options["board"] = board;
  BaremetalHandler tmpl(inst.template_dir, inst.device);
  tmpl.generate_project(mlf, "", project, options);
  BaremetalHandler h(project, inst.device);
  h.build(json::object());
  h.flash(json::object());
  return project;
}

// Deterministic inputs that are valid numbers for their dtype.
std::vector<std::string> make_inputs(const link::DeviceInfo& info, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> inputs;
  for (const auto& t : info.inputs) {
    std::string bytes(t.nbytes, '\0');
    if (t.dtype_code == 2 && t.dtype_bits == 32) {
      std::uniform_real_distribution<float> d(-1.0f, 1.0f);
      for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        float f = d(rng);
        std::memcpy(&bytes[i], &f, 4);
      }
    } else {
      for (auto& c : bytes)
        c = static_cast<char>(rng() & 0xFF);
    }
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

struct DeviceRun {
  link::DeviceInfo info;
  std::vector<std::string> outputs;
  link::RunStats stats;
};

DeviceRun run_on_device(const fs::path& project, unsigned seed, uint32_t runs = 1) {
  BaremetalHandler h(project, install().device);
  h.open_transport(json::object());
  HandlerStream stream(h);
  link::LinkClient client(stream);
  DeviceRun r;
  r.info = client.hello();
  auto inputs = make_inputs(r.info, seed);
  for (size_t i = 0; i < inputs.size(); ++i) {
    client.set_input(static_cast<uint16_t>(i),
                     {reinterpret_cast<const uint8_t*>(inputs[i].data()), inputs[i].size()});
  }
  r.stats = client.run(runs);
  for (size_t i = 0; i < r.info.outputs.size(); ++i) {
    auto out = client.get_output(static_cast<uint16_t>(i));
    r.outputs.emplace_back(out.begin(), out.end());
  }
  h.close_transport();
  return r;
}

TEST(BaremetalServer, ServerInfoListsBoardsAsChoices) {
  BaremetalHandler h(install().template_dir, install().device);
  auto info = h.server_info_query("0.16.0");
  EXPECT_EQ(info.platform_name, "baremetal");
  EXPECT_TRUE(info.is_template);
  bool found = false;
  for (const auto& o : info.project_options) {
    if (o.name != "board") continue;
    found = true;
    ASSERT_TRUE(o.choices.has_value());
    EXPECT_NE(std::find(o.choices->begin(), o.choices->end(), "mps2_an385"), o.choices->end());
    EXPECT_TRUE(o.is_required_for("generate_project"));
  }
  EXPECT_TRUE(found);
}

TEST(BaremetalServer, GenerateNeedsAKnownBoard) {
  BaremetalHandler h(install().template_dir, install().device);
  fs::path project = fresh_project("no-board");
  EXPECT_THROW(h.generate_project(example_mlf(), "", project, json::object()),
               project_api::ServerError);
  try {
    h.generate_project(example_mlf(), "", project, {{"board", "nucleo_f746"}});
    FAIL();
  } catch (const project_api::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("mps2_an385"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(project)) << "a failed generate_project left a directory behind";
}

// The runtime copied into the project is the standalone_crt_dir the client sent when it is utvm's
// (the CLI sends its install's), the server's own otherwise (TVM clients send TVM's CRT).
TEST(BaremetalServer, GenerateCopiesTheRuntimeTheClientSent) {
  const fs::path sent = fresh_project("sent-runtime");
  fs::copy(install().device, sent, fs::copy_options::recursive);
  std::ofstream(sent / "src" / "sent_marker.c") << "/* from the client */\n";
  BaremetalHandler h(install().template_dir, install().device);
  const fs::path project = fresh_project("sent-runtime-project");
  h.generate_project(example_mlf(), sent, project, {{"board", "mps2_an385"}});
  EXPECT_TRUE(fs::exists(project / "runtime/src/sent_marker.c"));
  fs::remove_all(project);
  const fs::path tvm_crt = fresh_project("tvm-crt");
  fs::create_directories(tvm_crt / "src");
  h.generate_project(example_mlf(), tvm_crt, project, {{"board", "mps2_an385"}});
  EXPECT_FALSE(fs::exists(project / "runtime/src/sent_marker.c"));
  EXPECT_TRUE(fs::exists(project / "runtime/include/utvm/link.h"));
  fs::remove_all(project);
  fs::remove_all(sent);
  fs::remove_all(tvm_crt);
}

// The example model, end to end on the Cortex-M3, bit-identical to the host.
TEST(BaremetalServer, ExampleModelRunsOnMps2An385LikeOnTheHost) {
  SKIP_WITHOUT_TOOLS();
  fs::path mlf = example_mlf();
  fs::path project = make_project(mlf, "mps2_an385", "example-an385");

  // Memory report: written, consistent, and the model's buffers are in it.
  json report = json::parse(std::ifstream(project / "build/memory_report.json"));
  EXPECT_EQ(report["schema_version"], 1);
  EXPECT_EQ(report["board"], "mps2_an385");
  EXPECT_EQ(report["ram"]["size"], 4u << 20);
  EXPECT_GT(report["flash"]["used"].get<uint64_t>(), 1000u);
  // The breakdown adds up to what the image takes, the stack and the model's buffers in it.
  std::map<std::string, std::uint64_t> sum, part;
  for (const auto& p : report["breakdown"]) {
    sum[p["region"]] += p["bytes"].get<uint64_t>();
    part[p["name"].get<std::string>() + "/" + p["region"].get<std::string>()] = p["bytes"];
  }
  EXPECT_EQ(sum["ram"], report["ram"]["used"].get<uint64_t>());
  EXPECT_EQ(sum["flash"], report["flash"]["used"].get<uint64_t>());
  EXPECT_EQ(part["stack/ram"], 16384u);
  EXPECT_GT(part["workspace arena/ram"], 0u);
  EXPECT_GT(part["I/O tensors/ram"], 0u);
  EXPECT_TRUE(fs::exists(project / "build/memory_report.txt"));
  EXPECT_TRUE(fs::exists(project / "build/flash.json"));

  DeviceRun dev = run_on_device(project, 7, 2);
  EXPECT_EQ(dev.stats.run_ns.size(), 2u);
  codegen::testing::HostReference host(
      mlf, fs::path(UTVM_BINARY_DIR) / "test-baremetal-host/example", UTVM_SOURCE_DIR);
  auto expected = host.run_glue(make_inputs(dev.info, 7));
  EXPECT_EQ(dev.outputs, expected);
}

struct FixtureCase {
  const char* file;  // under /work/shared/fixtures
  const char* board;
};

void PrintTo(const FixtureCase& c, std::ostream* os) {
  *os << c.file << " on " << c.board;
}

class BaremetalFixture : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(BaremetalFixture, RunsAndMatchesTheHost) {
  SKIP_WITHOUT_TOOLS();
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures" / GetParam().file;
  if (!fs::exists(mlf)) GTEST_SKIP() << mlf << " is not available";
  std::string name = fs::path(GetParam().file).stem().string() + "-" + GetParam().board;
  fs::path project;
  try {
    project = make_project(mlf, GetParam().board, name);
  } catch (const project_api::ServerError& e) {
    // Archives with only prebuilt objects for another CPU cannot be built for Cortex-M.
    if (std::string(e.what()).find("no C sources") != std::string::npos) GTEST_SKIP() << e.what();
    FAIL() << e.what();
  }
  DeviceRun dev = run_on_device(project, 11);
  ASSERT_FALSE(dev.outputs.empty());
  codegen::testing::HostReference host(
      mlf, fs::path(UTVM_BINARY_DIR) / "test-baremetal-host" / name, UTVM_SOURCE_DIR);
  if (auto why = host.host_incompatibility()) {
    // The model needs Arm intrinsics: compare two Arm boards with each other instead.
    fs::path other = make_project(mlf, "mps2_an500", name + "-m7");
    EXPECT_EQ(run_on_device(other, 11).outputs, dev.outputs) << "host cannot run it: " << *why;
    return;
  }
  EXPECT_EQ(dev.outputs, host.run_glue(make_inputs(dev.info, 11)));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BaremetalFixture,
                         ::testing::Values(FixtureCase{"mlf/sine_aot_v5.tar", "mps2_an385"},
                                           FixtureCase{"mlf/yes_no_v5.tar", "mps2_an385"},
                                           FixtureCase{"mlf/match_cpuonly_v7.tar", "mps2_an385"},
                                           FixtureCase{"mlf/conv1d_graph_v5.tar", "mps2_an385"},
                                           FixtureCase{"tvm016/sine_graph.tar", "mps2_an385"},
                                           FixtureCase{"mlf/letscope_int8_v7.tar", "mps2_an386"}),
                         [](const auto& info) {
                           std::string n =
                               fs::path(info.param.file).stem().string() + "_" + info.param.board;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(BaremetalServer, TooBigModelFailsBeforeLinking) {
  SKIP_WITHOUT_TOOLS();
  try {
    make_project(example_mlf(), "mps2_an385", "too-big-meta", {{"workspace_size_bytes", 8u << 20}});
    FAIL() << "an 8 MiB workspace was built for a 4 MiB board";
  } catch (const project_api::ServerError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("KiB of RAM, board mps2_an385 has 4096 KiB"), std::string::npos) << what;
    EXPECT_NE(what.find("needs 8"), std::string::npos) << what;
  }
  // Nothing was compiled: the check ran on the metadata.
  const fs::path project = fs::path(UTVM_BINARY_DIR) / "test-baremetal-projects" / "too-big-meta";
  EXPECT_TRUE(fs::exists(project / "project.json"));
  EXPECT_FALSE(fs::exists(project / "build"));
}

TEST(BaremetalServer, TooBigModelFailsRightAfterLinkingWhenMetadataMissesIt) {
  SKIP_WITHOUT_TOOLS();
  const Install& inst = install();
  fs::path project = fresh_project("too-big-link");
  BaremetalHandler tmpl(inst.template_dir, inst.device);
  tmpl.generate_project(example_mlf(), "", project,
                        {{"board", "mps2_an521"}, {"workspace_size_bytes", 3u << 20}});
  // Pretend the metadata said nothing about sizes: only the linker can tell now.
  json pj = json::parse(std::ifstream(project / "project.json"));
  pj["footprint"] = {{"ram", 0}, {"flash", 0}};
  std::ofstream(project / "project.json") << pj.dump();
  BaremetalHandler h(project, inst.device);
  try {
    h.build(json::object());
    FAIL() << "a 3 MiB workspace linked for a 2 MiB board";
  } catch (const project_api::ServerError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("KiB of RAM, board mps2_an521 has 2048 KiB"), std::string::npos) << what;
  }
}

TEST(BaremetalServer, StepsOutOfOrderSayWhatIsMissing) {
  const Install& inst = install();
  BaremetalHandler tmpl(inst.template_dir, inst.device);
  EXPECT_THROW(tmpl.build(json::object()), project_api::ServerError);  // a template
  fs::path project = fresh_project("out-of-order");
  tmpl.generate_project(example_mlf(), "", project, {{"board", "mps2_an385"}});
  BaremetalHandler h(project, inst.device);
  try {
    h.flash(json::object());
    FAIL();
  } catch (const project_api::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("run build first"), std::string::npos) << e.what();
  }
  try {
    h.open_transport(json::object());
    FAIL();
  } catch (const project_api::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("run flash first"), std::string::npos) << e.what();
  }
  EXPECT_THROW(h.read_transport(1, 0.1), project_api::TransportClosedError);
}

}  // namespace
}  // namespace utvm::platforms::baremetal
