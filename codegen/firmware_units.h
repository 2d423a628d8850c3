// Internal: how the executor generators (glue.cc, graph.cc) write one module's code so that
// several modules can share one firmware file (executor.cc). A unit is the module's includes,
// statics, run function and a `static const utvm_model_t <prefix>model`, where <prefix> is
// "utvm_glue_" (AOT) or "utvm_graph_" (graph); the firmware file renames each unit's prefix
// (rename_identifiers) and ends with model_table(). Private to utvm_codegen.
#pragma once

#include <string>
#include <vector>

#include "utvm/codegen/glue.h"
#include "utvm/codegen/graph.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace utvm::codegen::detail {

struct UnitNames {
  // When set, the unit uses this arena (defined earlier in the file, shared by every module:
  // only one runs at a time) instead of defining its own.
  std::string shared_arena;
};

std::string glue_unit(const GlueModel& model, const GlueOptions& options, const UnitNames& unit);
std::string graph_unit(const mlf::Archive& archive, const mlf::Module& module,
                       const GraphOptions& options, const UnitNames& unit);

// `const utvm_model_t* const utvm_models[]` (the given model objects, in order) and
// `const uint16_t utvm_num_models` (device/include/utvm/model.h).
std::string model_table(const std::vector<std::string>& model_symbols);

}  // namespace utvm::codegen::detail
