// TVM / DLPack data type strings ("int8", "float32", "uint16x4", "bool") and their sizes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace utvm::mlf {

struct DType {
  std::uint8_t code = 0;  // DLDataTypeCode: 0 int, 1 uint, 2 float, 3 handle, 4 bfloat, 6 bool
  std::uint8_t bits = 0;
  std::uint16_t lanes = 1;
};

// Parses "int8", "uint16", "float32", "bfloat16", "bool", "handle", optional "xN" lanes suffix.
// Throws utvm::Error(kBadInput) on anything else.
DType parse_dtype(std::string_view dtype);
// Inverse of parse_dtype; throws utvm::Error(kBadInput) for codes it has no name for.
std::string dtype_name(const DType& dtype);
// Bytes per element: ceil(bits * lanes / 8). "int8" -> 1, "float32" -> 4. Throws on unknown.
std::uint64_t dtype_bytes(std::string_view dtype);

}  // namespace utvm::mlf
