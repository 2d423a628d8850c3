// The generated-code and Relay scanners behind entry point / interface / I/O detection.
#include "../scan.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "utvm/common/error.h"
#include "utvm/mlf/graph.h"

namespace utvm::mlf::detail {
namespace {

TEST(FindDefinition, DefinitionsNotDeclarationsOrCalls) {
  const std::string src =
      "int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs);\n"  // declaration
      "/* tvmgen_default_run(void* x) { */\n"                                // comment
      "const char* s = \"tvmgen_default_run(void* y) {\";\n"                 // string
      "int f() { return tvmgen_default_run(a, b); }\n"                       // call
      "int32_t tvmgen_default_run_model(void* a) { return 0; }\n"            // longer name
      "int32_t tvmgen_default_run (struct tvmgen_default_inputs* inputs,\n"
      "    struct tvmgen_default_outputs* outputs) /* c */ {\n  return 0;\n}\n";
  auto params = find_definition(src, "tvmgen_default_run");
  ASSERT_TRUE(params.has_value());
  EXPECT_NE(params->find("struct tvmgen_default_outputs* outputs"), std::string::npos);
  EXPECT_EQ(params->find("void*"), std::string::npos);
  EXPECT_FALSE(find_definition("int32_t tvmgen_default_run(void* a);", "tvmgen_default_run"));
  EXPECT_FALSE(find_definition("x_tvmgen_default_run(void) {}", "tvmgen_default_run"));
  auto packed = find_definition(
      "int32_t tvmgen_default_run(void* args, void* type_code, int num_args, void* out_value, "
      "void* out_type_code, void* resource_handle) {\nreturn 0;}\n",
      "tvmgen_default_run");
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->rfind("void* args", 0), 0u);
}

TEST(FindDefinition, HostileInputStaysLinear) {
  // Quadratic scanning would take minutes on this; a linear scan takes milliseconds.
  std::string src;
  for (int i = 0; i < 200000; ++i)
    src += "tvmgen_default_run(/*";
  EXPECT_FALSE(find_definition(src, "tvmgen_default_run"));
  src.clear();
  for (int i = 0; i < 200000; ++i)
    src += "tvmgen_default_run((";
  EXPECT_FALSE(find_definition(src, "tvmgen_default_run"));
}

TEST(ScanHeader, StructsAndMacros) {
  HeaderInfo h = scan_header(
      "#define TVMGEN_NET_A_0_SIZE 12\n#define TVMGEN_NET_WORKSPACE_SIZE 3088\n"
      "struct tvmgen_net_inputs {\n  void* a_0; /* x */\n  void* b;\n};\n"
      "struct tvmgen_net_outputs {\n  void* Identity;\n};\n"
      "struct tvmgen_net_workspace_pools {\n  void* sram;\n};\n",
      "tvmgen_net");
  EXPECT_EQ(h.inputs, (std::vector<std::string>{"a_0", "b"}));
  EXPECT_EQ(h.outputs, (std::vector<std::string>{"Identity"}));
  EXPECT_TRUE(h.has_workspace_pools);
  EXPECT_FALSE(h.has_devices);
  EXPECT_EQ(h.macros.at("TVMGEN_NET_WORKSPACE_SIZE"), 3088u);
  EXPECT_EQ(h.macros.at("TVMGEN_NET_A_0_SIZE"), 12u);
}

// The TVMTensorInfo tables of packed AOT's C metadata, laid out as TVM >= 0.9 writes them
// (written here for the test: two inputs, one a scalar, and one output).
TEST(ScanCMetadata, TablesWithShapesAndDtypes) {
  const std::string src =
      "#include <tvm/runtime/metadata_types.h>\n"
      "static const int64_t kMeta_inputs_0_shape[2] = {\n1L, \n4L};\n"
      "static const struct TVMTensorInfo kMeta_inputs[2] = {\n"
      "{\n\"audio:0\" /* name*/, \nkMeta_inputs_0_shape, \n2L /* num_shape*/, \n"
      "{0, 8, 1} /* dtype*/}\n, \n"
      "{\n\"scale\" /* name*/, \nkMeta_inputs_1_shape, \n0L /* num_shape*/, \n"
      "{2, 32, 1} /* dtype*/}\n};\n"
      "static const int64_t kMeta_outputs_0_shape[1] = {\n12L};\n"
      "static const struct TVMTensorInfo kMeta_outputs[1] = {\n"
      "{\n\"output0\" /* name*/, \nkMeta_outputs_0_shape, \n1L /* num_shape*/, \n"
      "{2, 16, 4} /* dtype*/}\n};\n";
  auto meta = scan_c_metadata(src);
  ASSERT_TRUE(meta.has_value());
  ASSERT_EQ(meta->inputs.size(), 2u);
  EXPECT_EQ(meta->inputs[0].name, "audio:0");
  EXPECT_EQ(meta->inputs[0].shape, (std::vector<std::int64_t>{1, 4}));
  EXPECT_EQ(meta->inputs[0].dtype_code, 0u);
  EXPECT_EQ(meta->inputs[0].dtype_bits, 8u);
  EXPECT_EQ(meta->inputs[1].name, "scale");
  EXPECT_TRUE(meta->inputs[1].shape.empty());
  ASSERT_EQ(meta->outputs.size(), 1u);
  EXPECT_EQ(meta->outputs[0].shape, (std::vector<std::int64_t>{12}));
  EXPECT_EQ(meta->outputs[0].dtype_lanes, 4u);
  // No tables, or a shape array that disagrees with num_shape: nothing.
  EXPECT_FALSE(scan_c_metadata("int x;"));
  std::string bad = src;
  bad.replace(bad.find("2L /* num_shape*/"), 2, "3L");
  EXPECT_FALSE(scan_c_metadata(bad));
}

TEST(ParseRelayMain, ParamsResultAndNames) {
  auto m = parse_relay_main(
      "#[version = \"0.0.5\"]\n"
      "def @main(%serving_default_input_1:0: Tensor[(1, 5), int8] /* span=a:0 */, "
      "%v_param_1: Tensor[(512, 5), int8], %dyn: Tensor[(?, 3), float32], "
      "output_tensor_names=[\"A\", \"B\"]) -> (Tensor[(1, 1), int8], Tensor[(2), float32]) {\n"
      "  %0 = foo(%serving_default_input_1:0);\n"
      "  qnn.quantize(%0, 1f, 0, out_dtype=\"int8\")\n}\n");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->params.size(), 3u);
  EXPECT_EQ(m->params[0].name, "serving_default_input_1:0");
  EXPECT_EQ(m->params[0].type->dtype, "int8");
  EXPECT_EQ(m->params[0].type->shape, (std::vector<std::int64_t>{1, 5}));
  EXPECT_FALSE(m->params[2].type->shape.has_value());
  EXPECT_EQ(m->output_tensor_names, (std::vector<std::string>{"A", "B"}));
  ASSERT_TRUE(m->result.has_value());
  ASSERT_EQ(m->result->size(), 2u);
  EXPECT_EQ((*m->result)[1].shape, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(m->last_out_dtype, "int8");
  EXPECT_FALSE(parse_relay_main("fn (%x) { %x }"));
  EXPECT_FALSE(parse_relay_main("def @main(%x: Tensor[(1), int8]"));  // unbalanced: no crash
}

TEST(GraphRegression, DeeplyNestedAttrIsRefusedWithoutRecursion) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  std::string text =
      "{\"nodes\": [{\"op\": \"null\", \"name\": \"x\", \"inputs\": [], "
      "\"attrs\": {\"a\": " +
      deep + "}}]}";
  EXPECT_THROW(parse_graph_json(text, "deep.graph"), Error);
}

}  // namespace
}  // namespace utvm::mlf::detail
