// parse_graph_json: real graphs and every structural inconsistency named by field.
#include "utvm/mlf/graph.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"
#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"

namespace utvm::mlf {
namespace {

using nlohmann::json;

json small_graph() {
  return json::parse(R"({
    "nodes": [
      {"op": "null", "name": "x", "inputs": []},
      {"op": "null", "name": "p0", "inputs": []},
      {"op": "tvm_op", "name": "f", "attrs": {"func_name": "tvmgen_default_f",
        "num_inputs": "2", "num_outputs": "1", "flatten_data": "0"},
       "inputs": [[0, 0, 0], [1, 0, 0]]}
    ],
    "arg_nodes": [0, 1],
    "heads": [[2, 0, 0]],
    "attrs": {"dltype": ["list_str", ["float32", "float32", "float32"]],
              "storage_id": ["list_int", [0, 1, 2]],
              "shape": ["list_shape", [[1, 4], [4, 4], [1, 4]]]},
    "node_row_ptr": [0, 1, 2, 3]
  })");
}

std::string expect_error(const json& j, const std::string& field) {
  try {
    parse_graph_json(j.dump(), "g.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    std::string what = e.what();
    EXPECT_NE(what.find("g.json: " + field), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "accepted a bad graph (" << field << ")";
  return "";
}

TEST(Graph, Parses) {
  Graph g = parse_graph_json(small_graph().dump(), "g.json");
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[2].attrs.at("func_name"), "tvmgen_default_f");
  EXPECT_EQ(g.nodes[2].inputs[1], (GraphEntry{1, 0, 0}));
  EXPECT_EQ(g.arg_nodes, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(g.heads.at(0), (GraphEntry{2, 0, 0}));
  EXPECT_EQ(g.shape[1], (std::vector<std::int64_t>{4, 4}));
  EXPECT_EQ(g.dltype[2], "float32");
  EXPECT_EQ(g.storage_id, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(g.device_index.empty());
  EXPECT_EQ(g.entry_id(2, 0), 2u);
}

TEST(Graph, Errors) {
  try {
    parse_graph_json("{\"nodes\": [", "g.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at byte"), std::string::npos) << e.what();
  }
  // Number overflow (found by fuzz_mlf_graph) is an error, not an escaping exception.
  EXPECT_THROW(parse_graph_json("{\"nodes\": [5555555555e5555555555555]}", "g.json"), Error);
  json j = small_graph();
  j.erase("nodes");
  expect_error(j, "(top level)");
  j = small_graph();
  j["arg_nodes"] = {0, 7};
  expect_error(j, "arg_nodes[1]");
  j = small_graph();
  j["arg_nodes"] = {2};
  expect_error(j, "arg_nodes[0]");
  j = small_graph();
  j["node_row_ptr"] = {0, 1, 2};
  expect_error(j, "node_row_ptr");
  j = small_graph();
  j["heads"] = {{5, 0, 0}};
  expect_error(j, "heads[0]");
  j = small_graph();
  j["attrs"]["shape"][1].erase(2);
  expect_error(j, "attrs.shape");
  j = small_graph();
  j["attrs"]["dltype"][0] = "list_int";
  expect_error(j, "attrs.dltype");
  j = small_graph();
  j["nodes"][2]["attrs"].erase("func_name");
  expect_error(j, "nodes[2].attrs");
  j = small_graph();
  j["nodes"][2]["attrs"]["num_outputs"] = "2";
  expect_error(j, "nodes[2].attrs.num_outputs");
  j = small_graph();
  j["nodes"][2]["inputs"][0] = {2, 0, 0};
  expect_error(j, "nodes[2].inputs[0]");
  j = small_graph();
  j["nodes"][1]["op"] = "__nop";
  expect_error(j, "nodes[1].op");
  j = small_graph();
  j["attrs"]["storage_id"][1][0] = "zero";
  expect_error(j, "attrs.storage_id[0]");
  j = small_graph();
  j["heads"] = json::array();
  expect_error(j, "heads");
}

TEST(Graph, RealGraphs) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  Archive a = Archive::read(testing::shared_dir() + "/fixtures/mlf/conv1d_graph_v5.tar");
  Graph g = parse_graph_json(*a.find("executor-config/graph/graph.json"), "graph.json");
  EXPECT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.arg_nodes, (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(g.heads.at(0)[0], 4u);
  EXPECT_EQ(g.device_index, (std::vector<std::int64_t>{1, 1, 1, 1, 1}));
  EXPECT_EQ(g.shape[4], (std::vector<std::int64_t>{1, 33, 3}));

  Archive s = Archive::read(testing::shared_dir() + "/fixtures/tvm016/sine_graph.tar");
  Graph sg = parse_graph_json(*s.find("executor-config/graph/sine.graph"), "sine.graph");
  int ops = 0;
  for (const auto& n : sg.nodes)
    ops += n.op == "tvm_op";
  EXPECT_EQ(ops, 3);
  EXPECT_EQ(sg.nodes[0].name, "dense_input");
}

}  // namespace
}  // namespace utvm::mlf
