// Parser for TVM's parameter files (parameters/<mod>.params, tvm.runtime.save_param_dict;
// format in spec/mlf.md §4). Every error names the file and the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::mlf {

struct Param {
  std::string name;
  std::string dtype;                // e.g. "float32"
  std::vector<std::int64_t> shape;  // empty for a scalar
  std::string data;                 // raw little-endian element bytes, row-major
};

// Parses the whole blob (entries in file order, which is not sorted). Throws
// utvm::Error(kBadInput, "<file_name>: offset N: ...") on truncated or inconsistent input.
std::vector<Param> parse_params(std::string_view bytes, std::string_view file_name);

}  // namespace utvm::mlf
