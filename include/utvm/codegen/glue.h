// Executor glue: the one C99 file that adapts a model's TVM-generated code to utvm's device
// runtime contract (device/include/utvm/model.h). It defines the model's static, 16-byte-aligned
// I/O buffers, the utvm_tensor_t tables, the workspace arena, and the module's utvm_model_t (the
// one entry of `utvm_models[]`; executor.h puts several modules in one file) whose run() calls the
// model's own entry point the way TVM generated it:
//   kCWrapper      tvmgen_<mod>_run(struct tvmgen_<mod>_inputs*, struct tvmgen_<mod>_outputs*)
//   kPackedWrapper tvmgen_<mod>_run(TVMValue* args, int* codes, int n, ...) with DLTensor* args
//   kRunModel /    tvmgen_<mod>_run_model / tvmgen_<mod>___tvm_main__(void* in..., void* out...)
//   kTvmMain       (element pointers; used when the archive has no run wrapper)
// The output is deterministic for a given input (same model + options => same bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::mlf {
struct Module;
}  // namespace utvm::mlf

namespace utvm::codegen {

enum class EntryKind { kCWrapper, kPackedWrapper, kRunModel, kTvmMain };

// One model input or output as the glue lays it out.
struct GlueTensor {
  std::string name;    // the model's tensor name, reported to the host (e.g. "input_1:0")
  std::string member;  // member of struct tvmgen_<mod>_inputs/outputs (C wrapper only)
  std::string dtype;   // TVM dtype string, e.g. "int8"
  std::optional<std::vector<int64_t>> shape;  // unknown => flat 1-D of bytes / element size
  uint64_t bytes = 0;
};

// Everything the glue generator needs to know about one module.
struct GlueModel {
  std::string module_name;  // "default", "cpuonly", ...
  EntryKind entry = EntryKind::kCWrapper;
  std::string entry_symbol;  // e.g. "tvmgen_default_run"
  // File name of the archive's interface header ("tvmgen_default.h"), included by C-wrapper glue
  // so the structs are TVM's own; empty => the glue declares the structs itself.
  std::string interface_header;
  std::vector<GlueTensor> inputs;
  std::vector<GlueTensor> outputs;
  uint64_t workspace_size_bytes = 0;  // the module's own figure (metadata / header macro)
  // C wrapper only, from the interface header: members of struct tvmgen_<mod>_workspace_pools
  // (external USMP pools; the glue defines each pool as a static buffer sized by the header's
  // TVMGEN_<MOD>_<POOL>_WORKSPACE_POOL_SIZE) and of struct tvmgen_<mod>_devices (BYOC device
  // handles, passed as NULL). When present, run() gets them as extra arguments, in TVM's order.
  std::vector<std::string> workspace_pools;
  std::vector<std::string> devices;
  // The code calls TVMBackendAllocWorkspace: the glue then defines the arena and resets it with
  // utvm_workspace_init() before each run. Without it (USMP) no arena is emitted unless
  // GlueOptions::workspace_size_bytes asks for one.
  bool needs_workspace_allocator = true;
};

struct GlueOptions {
  std::string build_id;                          // stored in utvm_model.build_id
  std::optional<uint64_t> workspace_size_bytes;  // arena size; default: default_arena_bytes()
};

// Arena size for a module workspace: workspace + 64 bytes of alignment slack, rounded up to 16.
uint64_t default_arena_bytes(uint64_t module_workspace_bytes);

// Member names of struct tvmgen_<mod>_inputs / _outputs, in declaration order, read from the
// text of tvmgen_<mod>.h. Throws utvm::Error(kBadInput) when a struct is missing.
// workspace_pools / devices are empty when the header has no such struct (TVM emits them only
// for user-supplied USMP pools and BYOC devices).
struct InterfaceStructs {
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> workspace_pools;
  std::vector<std::string> devices;
};
InterfaceStructs parse_interface_header(std::string_view header_text, std::string_view module_name);

// Generates the glue C file. Throws utvm::Error(kBadInput) on a model it cannot describe
// (unknown dtype, no entry symbol, shape/byte-size disagreement, duplicate member names).
std::string generate_glue_c(const GlueModel& model, const GlueOptions& options);

// Same, from a loaded MLF module (struct members are mlf's c_name, read from the header).
// Throws kBadInput for a module without an AOT entry point (graph executor: see graph.h).
GlueModel glue_model_from_module(const mlf::Module& module);
std::string generate_glue_c(const mlf::Module& module, const GlueOptions& options);

}  // namespace utvm::codegen
