// libFuzzer target: graph-executor JSON. parse_graph_json must return or throw utvm::Error, and
// every index in a returned Graph must be in range (what the CRT executor would dereference).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/mlf/graph.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    utvm::mlf::Graph g = utvm::mlf::parse_graph_json(text, "fuzz.graph");
    const std::size_t entries = g.node_row_ptr.back();
    if (g.node_row_ptr.size() != g.nodes.size() + 1) std::abort();
    if (g.shape.size() != entries || g.dltype.size() != entries) std::abort();
    for (auto id : g.arg_nodes) {
      if (id >= g.nodes.size()) std::abort();
    }
    for (const auto& h : g.heads) {
      if (h[0] >= g.nodes.size() || g.entry_id(h[0], h[1]) >= entries) std::abort();
    }
  } catch (const utvm::Error&) {
  }
  return 0;
}
