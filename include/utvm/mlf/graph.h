// Parser for TVM graph-executor JSON (executor-config/graph/<mod>.graph or graph.json; spec
// §3.2). Checks the structure the CRT graph executor relies on; every error names the file and
// the offending field.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::mlf {

using GraphEntry = std::array<std::uint32_t, 3>;  // [node_id, output_index, version]

struct GraphNode {
  std::string op;  // "null" (input / parameter) or "tvm_op"
  std::string name;
  std::map<std::string, std::string> attrs;  // func_name, num_inputs, num_outputs, flatten_data...
  std::vector<GraphEntry> inputs;
};

struct Graph {
  std::vector<GraphNode> nodes;
  std::vector<std::uint32_t> arg_nodes, node_row_ptr;
  std::vector<GraphEntry> heads;
  // Per entry (node_row_ptr.back() entries):
  std::vector<std::int64_t> storage_id;
  std::vector<std::vector<std::int64_t>> shape;
  std::vector<std::string> dltype;
  std::vector<std::int64_t> device_index;  // empty when the graph has none

  // Entry index of output `index` of node `node_id`. Requires a valid node id.
  std::uint32_t entry_id(std::uint32_t node_id, std::uint32_t index) const {
    return node_row_ptr[node_id] + index;
  }
};

// Throws utvm::Error(kBadInput, "<file_name>: <field>: ...") on malformed or inconsistent text.
Graph parse_graph_json(std::string_view text, std::string_view file_name);

}  // namespace utvm::mlf
