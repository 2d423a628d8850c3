// Graph-executor lowering: a hand-made graph exercising storage sharing, params in place and
// copied, flatten_data and two outputs is built and run twice; validation errors name the node.
#include "utvm/codegen/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "test_util.h"
#include "utvm/common/error.h"

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using utvm::codegen::generate_graph_executor_c;
using utvm::codegen::GraphOptions;
using utvm::codegen::test::compile_and_run;
using utvm::codegen::test::compiles_strict;
using utvm::codegen::test::scratch_dir;
namespace mlf = utvm::mlf;

namespace {

std::string floats(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  size_t i = 0;
  for (float v : values)
    std::memcpy(&out[4 * i++], &v, 4);
  return out;
}

mlf::GraphNode null_node(const std::string& name) {
  return {"null", name, {}, {}};
}

mlf::GraphNode op_node(const std::string& func, std::vector<mlf::GraphEntry> inputs,
                       const std::string& flatten = "0") {
  return {"tvm_op",
          func,
          {{"func_name", func},
           {"num_inputs", std::to_string(inputs.size())},
           {"num_outputs", "1"},
           {"flatten_data", flatten}},
          std::move(inputs)};
}

// x -> add(x, w) -> mul(., s) [flattened] -> neg(.) = y ; outputs y and the sum.
//   node 0 x   sid 0 (shared later with neg's output: the input gets its own buffer)
//   node 1 w   sid 1 (reused by mul's output: w is copied into storage at every run)
//   node 2 add sid 2
//   node 3 s   sid 3 (param alone in its storage: used in place)
//   node 4 mul sid 1
//   node 5 neg sid 0
struct Fixture {
  mlf::Module module;
  mlf::Graph graph;
  std::vector<mlf::Param> params;

  Fixture() {
    module.name = "tiny";
    module.executor = mlf::Executor::kGraph;
    module.workspace_size_bytes = 32;
    module.needs_workspace_allocator = true;
    module.inputs = {{"x", "x", "float32", std::vector<int64_t>{2, 3}, 24}};
    module.outputs = {{"y", "y", "float32", std::nullopt, 24},
                      {"sum", "sum", "float32", std::nullopt, 24}};
    graph.nodes = {null_node("x"),
                   null_node("w"),
                   op_node("k_add", {{0, 0, 0}, {1, 0, 0}}),
                   null_node("s"),
                   op_node("k_mul", {{2, 0, 0}, {3, 0, 0}}, "1"),
                   op_node("k_neg", {{4, 0, 0}})};
    graph.arg_nodes = {0, 1, 3};
    graph.node_row_ptr = {0, 1, 2, 3, 4, 5, 6};
    graph.heads = {{5, 0, 0}, {2, 0, 0}};
    graph.storage_id = {0, 1, 2, 3, 1, 0};
    graph.shape = {{2, 3}, {2, 3}, {2, 3}, {1}, {2, 3}, {2, 3}};
    graph.dltype = std::vector<std::string>(6, "float32");
    params = {{"s", "float32", {1}, floats({2.0f})},
              {"w", "float32", {2, 3}, floats({10, 20, 30, 40, 50, 60})}};
  }

  std::string lower(const std::string& build_id = "g1") const {
    GraphOptions o;
    o.build_id = build_id;
    o.graph_file_name = "graph.json";
    return generate_graph_executor_c(module, graph, params, o);
  }
};

const char* const kKernels = R"(
#include "tvm/runtime/c_backend_api.h"
static DLTensor* arg(void* args, int i) { return (DLTensor*)((TVMValue*)args)[i].v_handle; }
static float* data(void* args, int i) { return (float*)arg(args, i)->data; }
static int check(int32_t* codes, int32_t n, int32_t want) {
  int32_t i;
  if (n != want) return -10;
  for (i = 0; i < n; ++i) if (codes[i] != kTVMDLTensorHandle) return -11;
  return 0;
}
int32_t k_add(void* args, int32_t* codes, int32_t n, void* rv, int32_t* rc, void* h) {
  int i;
  (void)rv; (void)rc; (void)h;
  if (check(codes, n, 3)) return -1;
  if (arg(args, 0)->ndim != 2 || arg(args, 0)->shape[1] != 3) return -2;
  for (i = 0; i < 6; ++i) data(args, 2)[i] = data(args, 0)[i] + data(args, 1)[i];
  return 0;
}
int32_t k_mul(void* args, int32_t* codes, int32_t n, void* rv, int32_t* rc, void* h) {
  int i;
  void* scratch = TVMBackendAllocWorkspace(1, 0, 16, 2, 32);
  (void)rv; (void)rc; (void)h;
  if (scratch == NULL) return -5;
  if (check(codes, n, 3)) return -1;
  if (arg(args, 0)->ndim != 1 || arg(args, 0)->shape[0] != 6) return -3;  /* flattened */
  if (arg(args, 1)->ndim != 1 || arg(args, 1)->shape[0] != 1) return -3;
  for (i = 0; i < 6; ++i) data(args, 2)[i] = data(args, 0)[i] * data(args, 1)[0];
  return TVMBackendFreeWorkspace(1, 0, scratch);
}
int32_t k_neg(void* args, int32_t* codes, int32_t n, void* rv, int32_t* rc, void* h) {
  int i;
  (void)rv; (void)rc; (void)h;
  if (check(codes, n, 2)) return -1;
  for (i = 0; i < 6; ++i) data(args, 1)[i] = -data(args, 0)[i];
  return 0;
}
)";

const char* const kMain = R"(
#include <stdio.h>
#include <string.h>
#include "utvm/model.h"
int main(void) {
  float x[6] = {1, 2, 3, 4, 5, 6};
  int run, i, t;
  if (utvm_model.num_inputs != 1 || utvm_model.num_outputs != 2) return 10;
  for (run = 0; run < 2; ++run) {
    int32_t rc;
    memcpy(utvm_model.inputs[0].data, x, sizeof x);
    rc = utvm_model.run();
    if (rc != 0) { printf("rc=%d\n", (int)rc); return 11; }
    for (t = 0; t < 2; ++t) {
      const float* o = (const float*)utvm_model.outputs[t].data;
      printf("%s[%d]:", utvm_model.outputs[t].name, (int)utvm_model.outputs[t].ndim);
      for (i = 0; i < 6; ++i) printf(" %g", o[i]);
      printf("\n");
    }
  }
  return 0;
}
)";

TEST(GraphLowering, RunsHandMadeGraphTwiceWithSharedStorage) {
  Fixture f;
  std::string c = f.lower();
  std::string out;
  ASSERT_TRUE(compile_and_run(scratch_dir("graph_tiny"),
                              {{"graph.c", c}, {"kernels.c", kKernels}, {"main.c", kMain}}, &out))
      << out << "\n"
      << c;
  const std::string once =
      "y[2]: -22 -44 -66 -88 -110 -132\n"
      "sum[2]: 11 22 33 44 55 66\n";
  EXPECT_EQ(out, once + once);
}

TEST(GraphLowering, StoragePlanParamsInPlaceOrCopiedAndFlattenedShapes) {
  std::string c = Fixture().lower();
  // One buffer per non-param-only storage id, 16-aligned sizes.
  EXPECT_THAT(c, HasSubstr("static uint8_t utvm_graph_sid0[32] UTVM_GLUE_ALIGNED;"));
  EXPECT_THAT(c, HasSubstr("static uint8_t utvm_graph_sid1[32] UTVM_GLUE_ALIGNED;"));
  EXPECT_THAT(c, HasSubstr("static uint8_t utvm_graph_sid2[32] UTVM_GLUE_ALIGNED;"));
  EXPECT_THAT(c, Not(HasSubstr("utvm_graph_sid3[")));
  // s (params[0]) is used in place; w (params[1]) is copied into sid 1 at each run.
  EXPECT_THAT(c, HasSubstr(".data = (void*)utvm_graph_param0"));
  EXPECT_THAT(c, HasSubstr("memcpy(utvm_graph_sid1, utvm_graph_param1, 24);"));
  // The input shares sid 0 with neg's output: own buffer, copied in.
  EXPECT_THAT(c, HasSubstr("memcpy(utvm_graph_sid0, utvm_graph_in0, 24);"));
  // flatten_data=1 on mul gives 1-D shapes.
  EXPECT_THAT(c, HasSubstr("static int64_t utvm_graph_flat2[1] = {6};"));
  EXPECT_THAT(c, HasSubstr(".ndim = 1, .dtype = {2, 32, 1}, .shape = utvm_graph_flat2"));
  // Output names come from the module, in head order.
  EXPECT_THAT(c, HasSubstr(".name = \"y\""));
  EXPECT_THAT(c, HasSubstr(".name = \"sum\""));
  EXPECT_THAT(c, HasSubstr("int32_t k_mul(void* args, int32_t* arg_type_ids, int32_t num_args"));
  EXPECT_THAT(c, HasSubstr("utvm_workspace_init(utvm_graph_arena"));
  // Params as bytes: 2.0f is 00 00 00 40.
  EXPECT_THAT(c, HasSubstr("0x00, 0x00, 0x00, 0x40,"));
  EXPECT_EQ(c, Fixture().lower());  // deterministic
}

TEST(GraphLowering, InputsFollowArgNodesOrder) {
  Fixture f;
  // A second input, placed after the first op but listed first in arg_nodes.
  f.graph.nodes.push_back(null_node("z"));
  f.graph.node_row_ptr.push_back(7);
  f.graph.storage_id.push_back(9);
  f.graph.shape.push_back({4});
  f.graph.dltype.push_back("int8");
  f.graph.arg_nodes = {6, 0, 1, 3};
  f.module.inputs.push_back({"z", "z", "int8", std::nullopt, 4});
  std::string c = f.lower();
  size_t z = c.find(".name = \"z\"");
  size_t x = c.find(".name = \"x\"");
  ASSERT_NE(z, std::string::npos);
  ASSERT_NE(x, std::string::npos);
  EXPECT_LT(z, x);
  EXPECT_THAT(c, HasSubstr(".num_inputs = 2,"));
}

TEST(GraphLowering, CompilesAsStrictC99) {
  std::string log;
  EXPECT_TRUE(compiles_strict(Fixture().lower(), &log)) << log;
}

void expect_graph_error(const Fixture& f, const std::string& fragment) {
  try {
    f.lower();
    ADD_FAILURE() << "no error; wanted: " << fragment;
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr("graph.json: "));
    EXPECT_THAT(e.what(), HasSubstr(fragment));
  }
}

TEST(GraphLoweringErrors, UnknownOpKind) {
  Fixture f;
  f.graph.nodes[2].op = "relay_op";
  expect_graph_error(f, "node 2 (\"k_add\"): unknown op kind \"relay_op\"");
}

TEST(GraphLoweringErrors, PseudoOpsAndBadFunctionNames) {
  Fixture f;
  f.graph.nodes[5].attrs["func_name"] = "__nop";
  expect_graph_error(f, "node 5 (\"k_neg\"): pseudo-op __nop");
  f = Fixture();
  f.graph.nodes[5].attrs["func_name"] = "k neg";
  expect_graph_error(f, "not a C identifier");
  f = Fixture();
  f.graph.nodes[5].attrs.erase("func_name");
  expect_graph_error(f, "node 5 (\"k_neg\"): tvm_op without attribute func_name");
}

TEST(GraphLoweringErrors, MissingParam) {
  Fixture f;
  f.params.pop_back();  // drop w
  expect_graph_error(f, "node 1 (\"w\"): \"w\" is neither a model input nor in the params file");
}

TEST(GraphLoweringErrors, ParamShapeOrDtypeMismatch) {
  Fixture f;
  f.params[0].shape = {2};
  f.params[0].data = floats({1, 2});
  expect_graph_error(f, "node 3 (\"s\"): param is float32 {2} in the params file but float32 {1}");
  f = Fixture();
  f.params[0].dtype = "int32";
  expect_graph_error(f, "param is int32 {1} in the params file but float32 {1}");
  f = Fixture();
  f.params[0].data = "ab";
  expect_graph_error(f, "param holds 2 bytes, the graph needs 4");
}

TEST(GraphLoweringErrors, InputDisagreesWithMetadata) {
  Fixture f;
  f.module.inputs[0].dtype = "int8";
  f.module.inputs[0].bytes = 6;
  f.module.inputs[0].shape.reset();
  expect_graph_error(f, "node 0 (\"x\"): input is int8 (6 bytes) in the metadata but float32");
  f = Fixture();
  f.module.inputs[0].name = "z";
  expect_graph_error(f, "node 0 (\"x\"): \"x\" is neither a model input nor in the params file");
  f = Fixture();
  f.module.inputs.push_back({"z", "z", "float32", std::nullopt, 4});
  expect_graph_error(f, "model input \"z\" is not a node of the graph");
}

TEST(GraphLoweringErrors, BadStructure) {
  Fixture f;
  f.graph.nodes[4].attrs["num_inputs"] = "3";
  expect_graph_error(f, "node 4 (\"k_mul\"): num_inputs is 3 but the node has 2 inputs");
  f = Fixture();
  f.graph.nodes[2].inputs[1] = {4, 0, 0};  // refers forward
  expect_graph_error(f, "node 2 (\"k_add\"): input 1 refers to node 4 output 0");
  f = Fixture();
  f.graph.nodes[2].attrs["flatten_data"] = "yes";
  expect_graph_error(f, "flatten_data = \"yes\"");
  f = Fixture();
  f.graph.storage_id[2] = -1;
  expect_graph_error(f, "node 2 (\"k_add\"): entry 2 has no storage");
  f = Fixture();
  f.graph.dltype[4] = "complex64";
  expect_graph_error(f, "node 4 (\"k_mul\"): unsupported dtype \"complex64\"");
  f = Fixture();
  f.graph.shape[4] = {1 << 30, 1 << 30, 1 << 30, 16};  // overflows 64 bits
  expect_graph_error(f, "node 4 (\"k_mul\"): entry 4 is larger than 4 GiB");
  f = Fixture();
  f.graph.shape[4] = std::vector<int64_t>(33, 1);
  expect_graph_error(f, "entry 4 has 33 dimensions");
  f = Fixture();
  f.graph.device_index = {1, 1, 1, 1, 2, 1};
  expect_graph_error(f, "entry 4 is placed on device type 2");
  f = Fixture();
  f.graph.arg_nodes.push_back(17);
  expect_graph_error(f, "arg_nodes lists node 17");
  f = Fixture();
  f.graph.heads.push_back({9, 0, 0});
  expect_graph_error(f, "heads[2] refers to node 9 output 0");
  f = Fixture();
  f.graph.shape.pop_back();
  expect_graph_error(f, "storage_id/shape/dltype have 6/5/6");
  f = Fixture();
  f.graph.node_row_ptr.pop_back();
  expect_graph_error(f, "node_row_ptr has 6 items for 6 nodes");
}

}  // namespace
