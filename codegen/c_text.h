// Small helpers for writing C source text: string literals, byte-array initialisers, alignment.
// Private to utvm_codegen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "utvm/mlf/dtype.h"

namespace utvm::codegen::detail {

// A C string literal (with quotes) whose bytes equal `text`; non-printables become octal escapes.
std::string c_string_literal(std::string_view text);

// `text` made safe inside a /* */ comment ("*/" broken up, control characters dropped).
std::string c_comment_text(std::string_view text);

// Appends "0x.., 0x.., ..." for `data`, 16 bytes per line, each line indented by `indent`.
void append_byte_initialiser(std::string& out, const uint8_t* data, size_t size,
                             std::string_view indent);

// "{1, 16, 8}" for a shape; "{0}" for a scalar (callers pass ndim 0 and never read it).
std::string c_int64_list(const std::vector<int64_t>& values);

inline uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// mlf::parse_dtype without throwing; nullopt also for types with no memory layout (handle).
std::optional<mlf::DType> try_parse_dtype(std::string_view text);
// TVM's storage rule: ceil(bits / 8) * lanes bytes per element.
inline uint64_t element_bytes(const mlf::DType& d) {
  return ((d.bits + 7u) / 8u) * d.lanes;
}
// Bytes of a dense tensor (empty shape = scalar); negative dimensions count as 0; saturates at
// UINT64_MAX on overflow (callers reject anything over 4 GiB).
uint64_t shape_bytes(const mlf::DType& d, const std::vector<int64_t>& shape);

// True for a valid C identifier.
bool is_c_identifier(std::string_view s);

// `c_text` with every identifier that starts with `from` (in code: not inside string or character
// literals, comments or preprocessor lines) starting with `to` instead. How one module's
// generated code gets names of its own when several modules share a firmware file.
std::string rename_identifiers(std::string_view c_text, std::string_view from, std::string_view to);

// The preamble every generated file shares: alignment macro, fixed-width ints.
extern const char* const kAlignMacro;

}  // namespace utvm::codegen::detail
