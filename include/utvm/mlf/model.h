// The model(s) inside an MLF archive, normalised across metadata versions 1-7 (spec/mlf.md §1).
//
// load_model() reads metadata.json, the generated header and sources, the Relay text, the
// graph JSON and the params to give, per module: executor, interface, entry point, I/O tensors
// (name, dtype, shape when known, bytes), memory sizes and the file map. Errors are
// utvm::Error(ExitCode::kBadInput, "<archive>: <member>: ...").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/cmsis.h"
#include "utvm/mlf/dtype.h"
#include "utvm/mlf/graph.h"
#include "utvm/mlf/params.h"

namespace utvm::mlf {

struct TensorInfo {
  std::string name;    // as TVM knows it (may contain ':' etc.)
  std::string c_name;  // sanitised C identifier (struct member in tvmgen_<mod>.h)
  std::string dtype;   // "int8", "float32", ...
  std::optional<std::vector<std::int64_t>> shape;  // unknown when metadata only gives sizes
  std::uint64_t bytes = 0;
};

enum class Executor { kAot, kGraph };
enum class Interface { kC, kPacked };

struct EntryPoint {
  enum class Kind {
    kCWrapper,       // int32_t tvmgen_<mod>_run(struct tvmgen_<mod>_inputs*, ..._outputs*, ...)
    kPackedWrapper,  // int32_t tvmgen_<mod>_run(void* args, void* type_code, int num_args, ...)
    kRunModel,       // 2021-era inner main tvmgen_<mod>_run_model(void* in..., void* out...)
    kTvmMain,        // inner main tvmgen_<mod>___tvm_main__(void* in..., void* out...)
    kNone,           // graph executor: no single entry point (kernels run from graph JSON)
  } kind = Kind::kNone;
  std::string symbol;  // e.g. "tvmgen_default_run"; empty for kNone
};

struct ModuleFiles {
  std::vector<std::string> sources, objects;  // archive member names, sorted
  std::optional<std::string> header, params, graph_json, relay;
};

struct Module {
  std::string name;
  Executor executor = Executor::kAot;
  Interface interface = Interface::kC;
  bool static_memory_plan = false;         // USMP planned the workspace into static pools
  bool needs_workspace_allocator = false;  // code calls TVMBackendAllocWorkspace
  bool system_lib = false;                 // code defines TVMSystemLibEntryPoint (system-lib)
  bool has_c_metadata = false;  // packed AOT's tvmgen_<mod>_get_c_metadata tables (TVM >= 0.9)
  std::vector<std::string> targets;
  std::uint64_t workspace_size_bytes = 0, constants_size_bytes = 0, io_size_bytes = 0;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<std::string> operator_functions;
  EntryPoint entry_point;
  ModuleFiles files;
  std::string style;  // "full-model" (or "" when the metadata predates the key)
  CmsisUse cmsis;     // the CMSIS headers its C includes and the CMSIS-NN functions it calls

  // "tvmgen_<name>" with the name lower-cased and sanitised, as TVM prefixes C symbols.
  std::string symbol_prefix() const;
};

struct Model {
  int metadata_version = 0;
  std::optional<std::string> tvm_version;  // from external_dependencies version_spec
  std::optional<std::string> export_datetime;
  std::vector<Module> modules;
};

// Reads and normalises everything; `archive_name_for_errors` prefixes error messages.
Model load_model(const Archive& archive, const std::string& archive_name_for_errors);
// Convenience: Archive::read(tar, limits) + load_model.
Model load_model(const std::filesystem::path& tar, const ArchiveLimits& limits = {});

// TVM's SanitizeName: every character that is not [A-Za-z0-9] becomes '_'. The one spelling of
// model, module and tensor names in C identifiers (mlf's c_name, codegen's members and glue).
std::string sanitize_name(std::string_view name);
// "tvmgen_" + the sanitised module name, lower-cased: the prefix of the module's C symbols.
std::string symbol_prefix(std::string_view module_name);

const char* to_string(Executor executor);      // "aot" | "graph"
const char* to_string(Interface interface);    // "c" | "packed"
const char* to_string(EntryPoint::Kind kind);  // "c_wrapper" | "packed_wrapper" | ...

}  // namespace utvm::mlf
