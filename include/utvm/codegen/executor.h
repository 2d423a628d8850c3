// One entry point for create-project time: the C file that gives the device its modules
// (device/include/utvm/model.h: `utvm_models[]`, `utvm_num_models`) for one or several MLF modules,
// whatever their executor. AOT modules get the executor glue (glue.h); graph modules are lowered
// to static C (graph.h) from the archive's graph JSON and params.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
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

// One firmware serving every module of `modules` (at least one; the archive's order is the link's
// module index): each module's code with names of its own, one workspace arena shared by the
// modules that need one (one module runs at a time; sized for the largest, or by the option), and
// the utvm_models table. With one module the text equals generate_executor_c's. Throws
// utvm::Error(kBadInput) as generate_executor_c does, and when two modules would define the same
// C symbol (two system-lib modules both define TVMSystemLibEntryPoint).
std::string generate_firmware_c(const mlf::Archive& archive, std::span<const mlf::Module> modules,
                                const ExecutorOptions& options);

}  // namespace utvm::codegen
