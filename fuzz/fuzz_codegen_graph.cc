// libFuzzer target: graph-executor lowering on arbitrary graph JSON. Whatever mlf's parser
// accepts, the lowering must either generate C or throw utvm::Error(kBadInput) — never crash,
// hang or allocate without bound. Null nodes named "p..." get a matching param (when small) so
// the in-place / copied param paths run too; a second run checks the output is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "utvm/codegen/graph.h"
#include "utvm/common/error.h"
#include "utvm/mlf/dtype.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mlf = utvm::mlf;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mlf::Graph graph;
  try {
    graph = mlf::parse_graph_json(text, "fuzz.graph");
  } catch (const utvm::Error&) {
    return 0;
  }
  mlf::Module module;
  module.name = "fuzz";
  module.executor = mlf::Executor::kGraph;
  module.needs_workspace_allocator = (size & 1) != 0;
  std::vector<mlf::Param> params;
  for (std::size_t n = 0; n < graph.nodes.size() && n + 1 < graph.node_row_ptr.size(); ++n) {
    const mlf::GraphNode& node = graph.nodes[n];
    std::uint32_t e = graph.node_row_ptr[n];
    if (node.op != "null" || node.name.empty() || node.name[0] != 'p' || e >= graph.shape.size() ||
        e >= graph.dltype.size()) {
      continue;
    }
    std::uint64_t bytes = 1;
    try {
      bytes = mlf::dtype_bytes(graph.dltype[e]);
    } catch (const utvm::Error&) {
      continue;
    }
    bool ok = true;
    for (std::int64_t d : graph.shape[e]) {
      if (d < 0 || d > 4096) ok = false;
      if (ok) bytes *= static_cast<std::uint64_t>(d);
      if (bytes > 4096) ok = false;
    }
    if (!ok) continue;
    params.push_back({node.name, graph.dltype[e], graph.shape[e], std::string(bytes, '\x5a')});
  }
  utvm::codegen::GraphOptions options;
  options.build_id = "fuzz";
  options.graph_file_name = "fuzz.graph";
  try {
    std::string first = utvm::codegen::generate_graph_executor_c(module, graph, params, options);
    if (first != utvm::codegen::generate_graph_executor_c(module, graph, params, options)) {
      std::abort();
    }
  } catch (const utvm::Error& e) {
    if (e.code() != utvm::ExitCode::kBadInput) std::abort();
  }
  return 0;
}
