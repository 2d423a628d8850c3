// Text from untrusted sources (archive member names, metadata, a server's error messages, device
// output) made safe to print on a terminal (issue 14): control characters and bytes that are not
// valid UTF-8 become visible escapes, so an archive cannot retitle the terminal or clear it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace utvm {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Appends code point `cp` (at most U+10FFFF, not a surrogate) to `out` as UTF-8.
void append_utf8(std::string& out, char32_t cp);

// Whether `s` holds a C0 control character (U+0000..U+001F), DEL or a C1 control (U+0080..U+009F).
bool has_control_char(std::string_view s);

// `s` with every control character and every byte of an invalid UTF-8 sequence written as \xNN.
// With keep_lines, '\n' and '\t' stay as they are (multi-line messages).
std::string printable(std::string_view s, bool keep_lines = false);

// At most `max` bytes of `s`: the first and last halves around a note saying how much was cut.
std::string capped(std::string_view s, std::size_t max);

}  // namespace utvm
