// load_model on archives built here for metadata versions 1-7 and both executors, laid out the
// way each TVM version wrote them (spec/mlf.md §1.3), plus metadata-level errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"
#include "utvm/common/error.h"
#include "utvm/mlf/model.h"

namespace utvm::mlf {
namespace {

using nlohmann::json;
using testing::TarWriter;
using Shape = std::vector<std::int64_t>;

std::string graph_json() {
  return R"({"nodes": [{"op": "null", "name": "x", "inputs": []},
    {"op": "null", "name": "p0", "inputs": []},
    {"op": "tvm_op", "name": "f", "attrs": {"func_name": "tvmgen_NAME_fused_dense",
     "num_inputs": "2", "num_outputs": "1", "flatten_data": "0"}, "inputs": [[0,0,0],[1,0,0]]}],
    "arg_nodes": [0, 1], "heads": [[2, 0, 0]],
    "attrs": {"dltype": ["list_str", ["float32", "float32", "float32"]],
              "storage_id": ["list_int", [0, 1, 2]],
              "shape": ["list_shape", [[1, 4], [4, 4], [1, 4]]]},
    "node_row_ptr": [0, 1, 2, 3]})";
}

const char* kRelay =
    "def @main(%x: Tensor[(1, 4), float32], %p0: Tensor[(4, 4), float32]) -> Tensor[(1, 4), "
    "float32] {\n  nn.dense(%x, %p0, units=4)\n}\n";

// Builds an MLF as TVM's exporter of metadata version `v` would lay it out.
std::string build_mlf(int v, const std::string& executor, const std::string& mod = "default") {
  const bool graph = executor == "graph";
  json meta;
  json main = {{"device", 1},
               {"workspace_size_bytes", 256},
               {"constants_size_bytes", 64},
               {"io_size_bytes", 32}};
  if (v == 7) {
    main["inputs"] = {{"x", {{"dtype", "float32"}, {"size", 16}}}};
    main["outputs"] = {{"output", {{"dtype", "float32"}, {"size", 16}}}};
  }
  json ops = json::array({{{"function_name", "tvmgen_" + mod + "_fused_dense"},
                           {"workspace", {{{"device", 1}, {"workspace_size_bytes", 0}}}}}});
  json sids = json::array({{{"storage_id", 0}, {"size_bytes", 16}, {"input_binding", "x"}}});
  if (v == 1) {
    meta["memory"] = graph ? sids : json::array();
  } else {
    meta["memory"] = {{"functions", {{"main", {main}}, {"operator_functions", ops}}}};
    if (graph) meta["memory"]["sids"] = sids;
  }
  meta[v >= 5 ? "executors" : "runtimes"] = {executor};
  meta["target"] = v >= 6 ? json::array({"c -keys=cpu"}) : json{{"1", "c -keys=cpu"}};
  meta["model_name"] = mod;
  meta["export_datetime"] = "2022-01-01 00:00:00Z";
  if (v >= 4) meta["style"] = "full-model";
  if (v >= 5 && !graph) {
    meta["external_dependencies"] = {{{"short_name", "tvm_standalone_crt"},
                                      {"url", "./runtime"},
                                      {"url_type", "mlf_path"},
                                      {"version_spec", "0.9.0"}}};
  }
  json doc;
  if (v == 7) {
    doc = {{"modules", {{mod, meta}}}, {"version", 7}};
  } else {
    doc = meta;
    doc["version"] = v;
  }
  const std::string lib = v >= 3 ? mod + "_lib" : "lib";
  const std::string prefix = "tvmgen_" + mod;
  TarWriter t;
  t.dir("./").dir("./codegen/").dir("./codegen/host/").dir("./codegen/host/src/");
  t.file("./metadata.json", doc.dump(2), /*pax=*/true);
  std::string relay_path = v == 7   ? "./src/" + mod + ".relay"
                           : v >= 4 ? "./src/relay.txt"
                                    : "./relay.txt";
  t.file(relay_path, kRelay);
  std::string params = testing::encode_params({{"p0", 2, 32, {4, 4}, std::string(64, '\0')}});
  t.file("./parameters/" + mod + ".params", params);
  std::string ops_c = "TVM_DLL int32_t " + prefix +
                      "_fused_dense(void* args, int32_t* type_codes, int32_t n, void* r, "
                      "int32_t* rt, void* h) {\n  return 0;\n}\n";
  if (graph) {
    std::string g = graph_json();
    g.replace(g.find("NAME"), 4, mod);
    std::string graph_path = v == 7   ? "./executor-config/graph/" + mod + ".graph"
                             : v >= 5 ? "./executor-config/graph/graph.json"
                                      : "./runtime-config/graph/graph.json";
    t.file(graph_path, g);
    t.file("./codegen/host/src/" + lib + "0.c", ops_c);
  } else if (v >= 5) {
    // C interface: header + descriptor with the run wrapper (TVM >= late 2021).
    t.dir("./codegen/host/include/");
    t.file("./codegen/host/include/" + prefix + ".h",
           "#include <stdint.h>\nstruct " + prefix + "_inputs {\n  void* x;\n};\nstruct " + prefix +
               "_outputs {\n  void* output;\n};\nint32_t " + prefix + "_run(struct " + prefix +
               "_inputs* inputs, struct " + prefix + "_outputs* outputs);\n#define " + "TVMGEN_" +
               std::string(mod == "default" ? "DEFAULT" : "NET") + "_WORKSPACE_SIZE 256\n");
    t.file("./codegen/host/src/" + lib + "0.c",
           "#include <" + prefix + ".h>\nTVM_DLL int32_t " + prefix +
               "___tvm_main__(void* x, "
               "void* output0);\nint32_t " +
               prefix + "_run(struct " + prefix +
               "_inputs* inputs, "
               "struct " +
               prefix + "_outputs* outputs) {return " + prefix +
               "___tvm_main__(inputs->"
               "x,outputs->output);\n}\n");
    t.file("./codegen/host/src/" + lib + "1.c",
           ops_c + "TVM_DLL int32_t " + prefix +
               "___tvm_main__(void* x, void* output0) {\n"
               "  void* buf = TVMBackendAllocWorkspace(1, 0, 64, 2, 32);\n  return 0;\n}\n");
  } else {
    // 2021 AOT: only the inner run_model, no header.
    t.file("./codegen/host/src/" + lib + "0.c", ops_c + "TVM_DLL int32_t " + prefix +
                                                    "_run_model(void* arg0, void* arg1) {\n"
                                                    "  return 0;\n}\n");
  }
  return t.finish();
}

class Versions : public ::testing::TestWithParam<std::tuple<int, std::string>> {};

TEST_P(Versions, Normalised) {
  auto [v, executor] = GetParam();
  const std::string mod = v == 7 ? "net" : "default";
  Archive a = Archive::from_bytes(build_mlf(v, executor, mod), "built.tar");
  Model model = load_model(a, "built.tar");
  EXPECT_EQ(model.metadata_version, v);
  EXPECT_EQ(model.export_datetime, "2022-01-01 00:00:00Z");
  ASSERT_EQ(model.modules.size(), 1u);
  const Module& m = model.modules[0];
  EXPECT_EQ(m.name, mod);
  EXPECT_EQ(m.targets, std::vector<std::string>{"c -keys=cpu"});
  if (v >= 2) {
    EXPECT_EQ(m.workspace_size_bytes, 256u);
    EXPECT_EQ(m.constants_size_bytes, 64u);
    EXPECT_EQ(m.io_size_bytes, 32u);
    EXPECT_EQ(m.operator_functions, std::vector<std::string>{"tvmgen_" + mod + "_fused_dense"});
  }
  EXPECT_EQ(m.files.sources.size(), executor == "aot" && v >= 5 ? 2u : 1u);
  EXPECT_EQ(m.files.params, "parameters/" + mod + ".params");
  EXPECT_TRUE(m.files.relay.has_value());
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].name, "x");
  EXPECT_EQ(m.inputs[0].dtype, "float32");
  EXPECT_EQ(m.inputs[0].shape, Shape({1, 4}));
  EXPECT_EQ(m.inputs[0].bytes, 16u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].dtype, "float32");
  EXPECT_EQ(m.outputs[0].shape, Shape({1, 4}));
  EXPECT_EQ(m.outputs[0].bytes, 16u);
  if (executor == "graph") {
    EXPECT_EQ(m.executor, Executor::kGraph);
    EXPECT_EQ(m.interface, Interface::kPacked);
    EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kNone);
    EXPECT_TRUE(m.files.graph_json.has_value());
  } else if (v >= 5) {
    EXPECT_EQ(m.executor, Executor::kAot);
    EXPECT_EQ(m.interface, Interface::kC);
    EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kCWrapper);
    EXPECT_EQ(m.entry_point.symbol, "tvmgen_" + mod + "_run");
    EXPECT_EQ(model.tvm_version, "0.9.0");
    EXPECT_TRUE(m.needs_workspace_allocator);
  } else {
    EXPECT_EQ(m.interface, Interface::kPacked);
    EXPECT_EQ(m.entry_point.kind, EntryPoint::Kind::kRunModel);
    EXPECT_EQ(m.entry_point.symbol, "tvmgen_default_run_model");
    EXPECT_TRUE(m.static_memory_plan);
  }
}

INSTANTIATE_TEST_SUITE_P(AllVersions, Versions,
                         ::testing::Combine(::testing::Range(1, 8),
                                            ::testing::Values("aot", "graph")));

TEST(Model, TwoModulesInOneV7Archive) {
  // Two modules share codegen/host/src: each gets only its own files.
  json meta = json::parse(
      Archive::from_bytes(build_mlf(7, "aot", "net"), "a").find("metadata.json")->c_str());
  Archive a1 = Archive::from_bytes(build_mlf(7, "aot", "net"), "a");
  TarWriter t;
  for (const auto& [name, data] : a1.members()) {
    if (name == "metadata.json") continue;
    t.file(name, data);
    std::string other = name;
    for (std::size_t p; (p = other.find("net")) != std::string::npos;)
      other.replace(p, 3, "kws");
    if (other != name)
      t.file(other, [&] {
        std::string d = data;
        for (std::size_t p; (p = d.find("net")) != std::string::npos;)
          d.replace(p, 3, "kws");
        return d;
      }());
  }
  json kws = meta["modules"]["net"];
  kws["model_name"] = "kws";
  meta["modules"]["kws"] = kws;
  t.file("metadata.json", meta.dump());
  Model model = load_model(Archive::from_bytes(t.finish(), "two.tar"), "two.tar");
  ASSERT_EQ(model.modules.size(), 2u);
  for (const Module& m : model.modules) {
    SCOPED_TRACE(m.name);
    ASSERT_EQ(m.files.sources.size(), 2u);
    for (const auto& s : m.files.sources)
      EXPECT_NE(s.find(m.name + "_lib"), std::string::npos);
    EXPECT_EQ(m.entry_point.symbol, "tvmgen_" + m.name + "_run");
  }
}

std::string load_error(const std::string& tar) {
  try {
    load_model(Archive::from_bytes(tar, "bad.tar"), "bad.tar");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  ADD_FAILURE() << "loaded a bad model";
  return "";
}

TEST(ModelBad, NoMetadata) {
  EXPECT_NE(load_error(TarWriter().file("./src/relay.txt", kRelay).finish())
                .find("bad.tar: metadata.json: missing"),
            std::string::npos);
}

TEST(ModelBad, MetadataNotJson) {
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", "{\"version\": 5,").finish())
                .find("not valid JSON at byte"),
            std::string::npos);
}

TEST(ModelBad, NumberOverflowInMetadata) {  // found by fuzz_mlf_archive
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", "{\"version\": 3e3524}").finish())
                .find("metadata.json: not valid JSON"),
            std::string::npos);
}

TEST(ModelBad, UnknownVersion) {
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", "{\"version\": 8}").finish())
                .find("unsupported metadata version 8"),
            std::string::npos);
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", "{\"version\": \"7\"}").finish())
                .find("not an integer"),
            std::string::npos);
}

TEST(ModelBad, ModuleWithoutExecutors) {
  json doc = {{"version", 7},
              {"modules", {{"m", {{"model_name", "m"}, {"executors", json::array()}}}}}};
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", doc.dump()).finish())
                .find("module 'm' has no executor"),
            std::string::npos);
  doc = {{"version", 5}, {"model_name", "default"}};
  EXPECT_NE(
      load_error(TarWriter().file("./metadata.json", doc.dump()).finish()).find("has no executor"),
      std::string::npos);
}

TEST(ModelBad, GraphModuleWithoutGraph) {
  json doc = {{"version", 5}, {"executors", {"graph"}}};
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", doc.dump()).finish()).find("graph JSON"),
            std::string::npos);
}

TEST(ModelBad, BadFieldsAreNamed) {
  json doc = {{"version", 5},
              {"executors", {"aot"}},
              {"memory", {{"functions", {{"main", {{{"workspace_size_bytes", -1}}}}}}}}};
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", doc.dump()).finish())
                .find("workspace_size_bytes is not a non-negative integer"),
            std::string::npos);
  doc = {{"version", 7}, {"modules", {{"../x", {{"executors", {"aot"}}}}}}};
  EXPECT_NE(load_error(TarWriter().file("./metadata.json", doc.dump()).finish()).find("not usable"),
            std::string::npos);
}

TEST(ModelBad, CorruptParamsNamesFileAndOffset) {
  std::string tar = build_mlf(5, "graph");
  Archive a = Archive::from_bytes(tar, "x");
  TarWriter t;
  for (const auto& [name, data] : a.members()) {
    t.file(name, name == "parameters/default.params" ? data.substr(0, 40) : data);
  }
  std::string what = load_error(t.finish());
  EXPECT_NE(what.find("parameters/default.params: offset"), std::string::npos) << what;
}

TEST(Sanitize, LikeTvm) {
  EXPECT_EQ(sanitize_name("serving_default_input_1:0"), "serving_default_input_1_0");
  EXPECT_EQ(sanitize_name("a.b-c d"), "a_b_c_d");
  EXPECT_EQ(sanitize_name("a-b.c/d"), "a_b_c_d");
  EXPECT_EQ(symbol_prefix("My-Net"), "tvmgen_my_net");
  Module m;
  m.name = "My-Net";
  EXPECT_EQ(m.symbol_prefix(), "tvmgen_my_net");
}

}  // namespace
}  // namespace utvm::mlf
