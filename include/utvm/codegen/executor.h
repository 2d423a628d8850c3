// One entry point for create-project time: the C file that gives the device its `utvm_model`
// for one MLF module, whatever its executor. AOT modules get the executor glue (glue.h); graph
// modules are lowered to static C (graph.h) from the archive's graph JSON and params.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace utvm::codegen {

struct ExecutorOptions {
  std::string build_id;                          // stored in utvm_model.build_id
  std::optional<uint64_t> workspace_size_bytes;  // arena size; default: workspace + slack
};

// File name of the generated source in a project (docs/architecture.md: src/utvm_glue.c).
inline constexpr const char* kExecutorFileName = "utvm_glue.c";

// Throws utvm::Error(kBadInput) with the archive/member/node in the message when the module
// cannot be described (see generate_glue_c and generate_graph_executor_c).
std::string generate_executor_c(const mlf::Archive& archive, const mlf::Module& module,
                                const ExecutorOptions& options);

}  // namespace utvm::codegen
