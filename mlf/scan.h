// Internal: light-weight scanners for TVM-generated C (the tvmgen_<mod>.h header and the
// codegen sources) and for the Relay text's @main signature. Not a C or Relay parser: they
// recognise the fixed shapes TVM emits (spec/mlf.md §2.3-2.4) and return nothing otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::mlf::detail {

struct HeaderInfo {
  bool has_inputs_struct = false, has_outputs_struct = false;
  std::vector<std::string> inputs, outputs;     // struct members, in order
  std::map<std::string, std::uint64_t> macros;  // integer #defines, e.g. TVMGEN_X_WORKSPACE_SIZE
  bool has_workspace_pools = false, has_devices = false;
};

// `prefix` is "tvmgen_<mod>" (lower case).
HeaderInfo scan_header(std::string_view text, std::string_view prefix);

// If `text` *defines* function `symbol` (a body follows the parameter list), returns the
// parameter list text; declarations and calls are skipped.
std::optional<std::string> find_definition(std::string_view text, std::string_view symbol);

// True if `symbol` appears as a whole identifier in `text`.
bool contains_identifier(std::string_view text, std::string_view symbol);

// One TVMTensorInfo row of the C metadata that packed-interface AOT code defines for
// `<prefix>_get_c_metadata` (tvm/runtime/metadata_types.h): name, shape and DLPack dtype.
struct CTensorInfo {
  std::string name;
  std::vector<std::int64_t> shape;
  unsigned dtype_code = 0, dtype_bits = 0, dtype_lanes = 1;
};
struct CMetadata {
  std::vector<CTensorInfo> inputs, outputs;
};

// The inputs and outputs tables of `static const struct TVMTensorInfo <sym>_inputs[N] = {...}`
// and `..._outputs[N]` with their `int64_t <shape sym>[K] = {...}` shapes; nullopt when `text`
// defines no such tables or they do not have the fixed shape TVM writes.
std::optional<CMetadata> scan_c_metadata(std::string_view text);

struct RelayTensorType {
  std::optional<std::vector<std::int64_t>> shape;  // nullopt for dynamic dims
  std::string dtype;
};
struct RelayParam {
  std::string name;  // without '%'
  std::optional<RelayTensorType> type;
};
struct RelayMain {
  std::vector<RelayParam> params;
  std::vector<std::string> output_tensor_names;
  std::optional<std::vector<RelayTensorType>> result;  // from "-> Type", tuples flattened
  std::optional<std::string> last_out_dtype;           // out_dtype="..." of the final expression
};

// Parses "def @main(...) [-> T] {" and the last expression line; nullopt if there is no @main.
std::optional<RelayMain> parse_relay_main(std::string_view text);

}  // namespace utvm::mlf::detail
