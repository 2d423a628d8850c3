// load_model on the real TVM archives in ../shared/fixtures, checking the facts their READMEs
// state (names, dtypes, shapes or sizes, workspace, interface, entry point).
#include <gtest/gtest.h>

#include "test_util.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/model_json.h"

namespace utvm::mlf {
namespace {

using Shape = std::vector<std::int64_t>;

Model load_fixture(const std::string& rel) {
  return load_model(std::filesystem::path(testing::shared_dir() + "/fixtures/" + rel));
}

#define REQUIRE_FIXTURES() \
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout"

TEST(Fixtures, SineAotV5) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("mlf/sine_aot_v5.tar");
  EXPECT_EQ(model.metadata_version, 5);
  EXPECT_FALSE(model.tvm_version.has_value());
  EXPECT_EQ(model.export_datetime, "2021-12-14 16:30:04Z");
  ASSERT_EQ(model.modules.size(), 1u);
  const Module& m = model.modules[0];
  EXPECT_EQ(m.name, "default");
  EXPECT_EQ(m.executor, Executor::kAot);
  EXPECT_EQ(m.interface, Interface::kC);
  // The header declares tvmgen_default_run but no source defines it.
  EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kRunModel);
  EXPECT_EQ(m.entry_point.symbol, "tvmgen_default_run_model");
  EXPECT_EQ(m.workspace_size_bytes, 1184u);
  EXPECT_EQ(m.constants_size_bytes, 1284u);
  EXPECT_EQ(m.io_size_bytes, 8u);
  EXPECT_TRUE(m.needs_workspace_allocator);
  EXPECT_FALSE(m.static_memory_plan);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "dense_4_input");
  EXPECT_EQ(m.inputs[0].dtype, "float32");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 1}));
  EXPECT_EQ(m.inputs[0].bytes, 4u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "output");
  EXPECT_EQ(m.outputs[0].dtype, "float32");
  EXPECT_EQ(m.outputs[0].bytes, 4u);
  EXPECT_EQ(m.operator_functions.size(), 5u);
  EXPECT_EQ(m.files.sources, std::vector<std::string>{"codegen/host/src/default_lib0.c"});
  EXPECT_EQ(m.files.header, "codegen/host/include/tvmgen_default.h");
  EXPECT_EQ(m.files.params, "parameters/default.params");
  EXPECT_EQ(m.files.relay, "src/relay.txt");
  EXPECT_FALSE(m.files.graph_json.has_value());
  ASSERT_EQ(m.targets.size(), 1u);
  EXPECT_NE(m.targets[0].find("-mcpu=cortex-m7"), std::string::npos);
}

TEST(Fixtures, YesNoV5PackedWrapper) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("mlf/yes_no_v5.tar");
  EXPECT_EQ(model.metadata_version, 5);
  const Module& m = model.modules.at(0);
  EXPECT_EQ(m.executor, Executor::kAot);
  EXPECT_EQ(m.interface, Interface::kPacked);
  EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kPackedWrapper);
  EXPECT_EQ(m.entry_point.symbol, "tvmgen_default_run");
  EXPECT_FALSE(m.files.header.has_value());
  EXPECT_EQ(m.files.sources.size(), 2u);
  EXPECT_EQ(m.workspace_size_bytes, 21312u);
  EXPECT_EQ(m.constants_size_bytes, 33524u);
  EXPECT_EQ(m.io_size_bytes, 1964u);
  EXPECT_EQ(m.operator_functions.size(), 6u);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "Reshape_1");
  EXPECT_EQ(m.inputs[0].dtype, "int8");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 1960}));
  EXPECT_EQ(m.inputs[0].bytes, 1960u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].dtype, "int8");
  EXPECT_EQ(m.outputs[0].bytes, 4u);
}

TEST(Fixtures, LetscopeV7) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("mlf/letscope_int8_v7.tar");
  EXPECT_EQ(model.metadata_version, 7);
  EXPECT_EQ(model.tvm_version, "0.13.dev0");
  const Module& m = model.modules.at(0);
  EXPECT_EQ(m.name, "default");
  EXPECT_EQ(m.interface, Interface::kC);
  EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kCWrapper);
  EXPECT_EQ(m.entry_point.symbol, "tvmgen_default_run");
  EXPECT_EQ(m.workspace_size_bytes, 3088u);
  EXPECT_EQ(m.constants_size_bytes, 0u);
  EXPECT_EQ(m.io_size_bytes, 2059u);
  EXPECT_EQ(m.operator_functions.size(), 4u);
  EXPECT_TRUE(m.needs_workspace_allocator);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "serving_default_input_1:0");
  EXPECT_EQ(m.inputs[0].c_name, "serving_default_input_1_0");
  EXPECT_EQ(m.inputs[0].dtype, "int8");
  EXPECT_EQ(m.inputs[0].bytes, 5u);
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 5}));
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "StatefulPartitionedCall_0");
  EXPECT_EQ(m.outputs[0].dtype, "int8");
  EXPECT_EQ(m.outputs[0].bytes, 1u);
  EXPECT_EQ(m.files.relay, "src/default.relay");
  EXPECT_EQ(m.files.sources.size(), 2u);
  ASSERT_EQ(m.targets.size(), 1u);
  EXPECT_EQ(m.targets[0], "c -keys=arm_cpu,cpu -march=armv7e-m -mcpu=cortex-m7 -model=stm32f746xx");
}

TEST(Fixtures, LetscopeSamplesAppendedWithoutPrefix) {
  REQUIRE_FIXTURES();
  Archive a = Archive::read(testing::shared_dir() + "/fixtures/mlf/letscope_int8_v7.tar");
  ASSERT_NE(a.find("samples/dummy_input.h"), nullptr);
  EXPECT_NE(a.find("samples/dummy_input.h")->find("36"), std::string::npos);
  EXPECT_NE(a.find("samples/expected_output.h"), nullptr);
  EXPECT_EQ(a.find("codegen/host/src/default_lib1.c")->size(), 2096344u);
  EXPECT_EQ(a.members().size(), 8u);
}

TEST(Fixtures, MatchCpuonlyV7) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("mlf/match_cpuonly_v7.tar");
  EXPECT_EQ(model.tvm_version, "0.15.dev0");
  const Module& m = model.modules.at(0);
  EXPECT_EQ(m.name, "cpuonly");
  EXPECT_EQ(m.symbol_prefix(), "tvmgen_cpuonly");
  EXPECT_EQ(m.interface, Interface::kC);
  EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kCWrapper);
  EXPECT_EQ(m.entry_point.symbol, "tvmgen_cpuonly_run");
  EXPECT_EQ(m.workspace_size_bytes, 4816u);
  EXPECT_EQ(m.io_size_bytes, 4096u);
  EXPECT_EQ(m.operator_functions,
            std::vector<std::string>{"tvmgen_cpuonly_fused_nn_conv2d_add_nn_relu"});
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "input_0");
  EXPECT_EQ(m.inputs[0].dtype, "int8");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 3, 32, 32}));
  EXPECT_EQ(m.inputs[0].bytes, 3072u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "output");
  EXPECT_EQ(m.outputs[0].dtype, "int32");
  EXPECT_EQ(m.outputs[0].shape, Shape({1, 1, 16, 16}));
  EXPECT_EQ(m.outputs[0].bytes, 1024u);
  EXPECT_EQ(m.files.header, "codegen/host/include/tvmgen_cpuonly.h");
  EXPECT_EQ(m.files.params, "parameters/cpuonly.params");
  EXPECT_EQ(m.files.relay, "src/cpuonly.relay");
}

TEST(Fixtures, Conv1dGraphV5) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("mlf/conv1d_graph_v5.tar");
  const Module& m = model.modules.at(0);
  EXPECT_EQ(m.executor, Executor::kGraph);
  EXPECT_EQ(m.interface, Interface::kPacked);
  EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kNone);
  EXPECT_EQ(m.workspace_size_bytes, 844u);
  EXPECT_EQ(m.constants_size_bytes, 6468u);
  EXPECT_EQ(m.io_size_bytes, 908u);
  EXPECT_EQ(m.files.objects, std::vector<std::string>{"codegen/host/lib/default_lib0.o"});
  EXPECT_TRUE(m.files.sources.empty());
  EXPECT_EQ(m.files.graph_json, "executor-config/graph/graph.json");
  ASSERT_EQ(m.inputs.size(), 1u);  // p0, p1 are parameters
  EXPECT_EQ(m.inputs[0].name, "input");
  EXPECT_EQ(m.inputs[0].dtype, "float32");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 16, 8}));
  EXPECT_EQ(m.inputs[0].bytes, 512u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].shape, Shape({1, 33, 3}));
  EXPECT_EQ(m.outputs[0].bytes, 396u);
}

TEST(Fixtures, Tvm016SineGraph) {
  REQUIRE_FIXTURES();
  Model model = load_fixture("tvm016/sine_graph.tar");
  EXPECT_EQ(model.metadata_version, 7);
  const Module& m = model.modules.at(0);
  EXPECT_EQ(m.name, "sine");
  EXPECT_EQ(m.executor, Executor::kGraph);
  EXPECT_EQ(m.interface, Interface::kPacked);
  EXPECT_EQ(m.files.graph_json, "executor-config/graph/sine.graph");
  EXPECT_EQ(m.files.params, "parameters/sine.params");
  EXPECT_EQ(m.files.sources.size(), 2u);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "dense_input");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 1}));
  EXPECT_EQ(m.inputs[0].bytes, 4u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].name, "Identity");
  EXPECT_EQ(m.outputs[0].dtype, "float32");
  EXPECT_EQ(m.outputs[0].shape, Shape({1, 1}));
}

TEST(Fixtures, JsonSchemaForEveryFixture) {
  REQUIRE_FIXTURES();
  for (const char* f :
       {"mlf/sine_aot_v5.tar", "mlf/yes_no_v5.tar", "mlf/letscope_int8_v7.tar",
        "mlf/conv1d_graph_v5.tar", "mlf/match_cpuonly_v7.tar", "tvm016/sine_graph.tar"}) {
    SCOPED_TRACE(f);
    nlohmann::json j = model_to_json(load_fixture(f));
    EXPECT_EQ(j["schema_version"], 1);
    ASSERT_EQ(j["modules"].size(), 1u);
    const auto& m = j["modules"][0];
    for (const char* key :
         {"name", "executor", "interface", "inputs", "outputs", "workspace_size_bytes",
          "constants_size_bytes", "entry_point", "files"}) {
      EXPECT_TRUE(m.contains(key)) << key;
    }
    for (const auto& t : m["inputs"]) {
      EXPECT_TRUE(t["shape"].is_array() || t["shape"].is_null());
      EXPECT_TRUE(t["bytes"].is_number_unsigned());
    }
  }
}

}  // namespace
}  // namespace utvm::mlf
