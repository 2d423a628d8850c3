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
  GlueModel glue = glue_model_from_module(module);
  if (glue.entry == EntryKind::kCWrapper && module.files.header) {
    if (const std::string* header = archive.find(*module.files.header)) {
      InterfaceStructs structs = parse_interface_header(*header, module.name);
      glue.workspace_pools = std::move(structs.workspace_pools);
      glue.devices = std::move(structs.devices);
    }
  }
  return generate_glue_c(glue, g);
}

}  // namespace utvm::codegen
