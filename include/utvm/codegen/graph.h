// Graph-executor lowering: turns a graph-executor MLF module (graph JSON + params + packed-API
// kernels) into one static C99 file at create-project time, so the device needs no JSON parser,
// no params loader and no heap. The file provides the same contract as the AOT glue
// (device/include/utvm/model.h: a utvm_model_t listed in `utvm_models[]`):
//   - one 16-byte-aligned static buffer per storage id, sized by the largest entry using it;
//   - params embedded as const data, used in place when their storage holds nothing else,
//     otherwise copied into their storage at the start of each run;
//   - one call per tvm_op node with TVM's packed signature (DLTensor per argument pointing into
//     storage, TVMValue array, kTVMDLTensorHandle type codes); flatten_data gives 1-D tensors;
//   - inputs (arg_nodes that are not params, in graph order) and outputs (heads) bound to
//     utvm_tensor_t tables.
// Kernels are referenced by their func_name attribute, declared extern with the packed signature.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utvm/mlf/graph.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/params.h"

namespace utvm::codegen {

struct GraphOptions {
  std::string build_id;                          // stored in utvm_model.build_id
  std::optional<uint64_t> workspace_size_bytes;  // arena for kernel scratch; default as for glue
  // Name used in error messages; default: module.files.graph_json or "graph.json".
  std::string graph_file_name;
};

// Throws utvm::Error(kBadInput, "<graph file>: node N (\"name\"): ...") for unknown op kinds,
// pseudo-ops (__nop, __copy), bad attributes or references, params missing from `params`,
// param or input shape/dtype disagreeing with the graph, and unsupported dtypes.
std::string generate_graph_executor_c(const mlf::Module& module, const mlf::Graph& graph,
                                      const std::vector<mlf::Param>& params,
                                      const GraphOptions& options);

// Convenience: everything from the archive (graph JSON and params members named by the module).
std::string generate_graph_executor_c(const mlf::Archive& archive, const mlf::Module& module,
                                      const GraphOptions& options);

}  // namespace utvm::codegen
