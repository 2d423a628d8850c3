// JSON text exactly as CPython writes it, so utvm's Project API peers are byte-compatible with
// TVM's Python server/client: dump_ascii_json() mirrors json.dumps() defaults (separators ", "
// and ": ", ensure_ascii with lowercase \uXXXX escapes and surrogate pairs, floats in repr form
// such as 5.0, 0.5, 1e-06, 1e+16) and python_repr() mirrors repr() of the decoded value
// ({'a': [1, None, True]}, 'str', 1.0), which TVM quotes inside its error messages.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace utvm::project_api {

// The wire JSON type: keeps object keys in insertion order (TVM's key order is part of the
// byte-for-byte contract, e.g. jsonrpc, id, result).
using Json = nlohmann::ordered_json;

// Parses one JSON text like Python's json.loads: RFC 8259 plus NaN/Infinity/-Infinity, strict
// UTF-8, raw control characters in strings rejected, a repeated key keeps its first position and
// takes the last value, nesting deeper than `max_depth` rejected (Python's RecursionError).
// Integers become int64 (negative) / uint64, or double when out of range. Returns nullopt on
// invalid input, with "<what> at byte N" in *error when given. Several times faster than
// nlohmann's parser on large strings (base85 transport payloads).
std::optional<Json> parse_json(std::string_view text, std::string* error = nullptr,
                               int max_depth = 900);

std::string dump_ascii_json(const Json& value);
std::string dump_ascii_json(const nlohmann::json& value);
// Appends instead of returning (hot path: replies carrying large base85 payloads).
void dump_ascii_json_append(const Json& value, std::string& out);
void dump_ascii_json_append(const nlohmann::json& value, std::string& out);
// Appends one JSON string literal (quotes included) in json.dumps(ensure_ascii=True) form.
void append_json_string(std::string& out, std::string_view text);

std::string python_repr(const Json& value);
std::string python_repr(const nlohmann::json& value);

// Python's repr(float): shortest round-trip digits; fixed notation when -4 < exponent10 <= 16
// (always with a ".0" or fractional part), otherwise d.ddde[+-]XX; nan, inf, -inf for repr and
// NaN, Infinity, -Infinity for json.dumps (json_style = true).
std::string python_float_repr(double value, bool json_style = false);

}  // namespace utvm::project_api
