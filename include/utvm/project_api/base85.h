// base85 as Python's base64.b85encode/b85decode: the RFC 1924 alphabet, 4-byte big-endian groups,
// a trailing partial group of k bytes emitted as k+1 characters, no padding characters and no
// 'z'/'y' shortcuts. Every transport byte crosses the Project API pipes in this encoding
// (read_transport/write_transport "data"), so both functions are table-driven and allocation-lean.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace utvm::project_api {

// Encodes `data`; the result contains only alphabet characters (JSON-safe: no '"' or '\').
std::string b85encode(std::span<const std::uint8_t> data);
// Appends the encoding of `data` to `out` (no reallocation beyond one reserve).
void b85encode_append(std::span<const std::uint8_t> data, std::string& out);

// Decodes `text` like Python: pads with '~' to a multiple of 5 and drops as many bytes as pad
// characters were added (so a single leftover character decodes to nothing).
// Throws utvm::Error(kServerError) "bad base85 character at position N" (N zero-based) or
// "base85 overflow in hunk starting at byte N" when a 5-character group exceeds 2^32-1.
std::vector<std::uint8_t> b85decode(std::string_view text);
// Appends the decoded bytes to `out`; same errors (out is left partially appended on error).
void b85decode_append(std::string_view text, std::vector<std::uint8_t>& out);

}  // namespace utvm::project_api
