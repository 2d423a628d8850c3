#include "utvm/codegen/executor.h"

#include "utvm/codegen/glue.h"
#include "utvm/codegen/graph.h"

namespace utvm::codegen {

std::string generate_executor_c(const mlf::Archive& archive, const mlf::Module& module,
                                const ExecutorOptions& options) {
  if (module.executor == mlf::Executor::kGraph) {
    GraphOptions g;
    g.build_id = options.build_id;
    g.workspace_size_bytes = options.workspace_size_bytes;
    return generate_graph_executor_c(archive, module, g);
  }
  GlueOptions g;
  g.build_id = options.build_id;
  g.workspace_size_bytes = options.workspace_size_bytes;
  return generate_glue_c(module, g);
}

}  // namespace utvm::codegen
