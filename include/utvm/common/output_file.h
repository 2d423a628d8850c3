// Writing a file the user named (run -o, ...) without harming what is there (issue 14):
//  - a symbolic link is followed: its target gets the bytes, the link stays;
//  - a regular file (or a new one) is replaced atomically: the bytes go to a temporary sibling
//    that is renamed over it, so a reader never sees half a file and a failure leaves the old one;
//  - anything else (/dev/null, a FIFO, a terminal, a socket) is written through, never replaced;
//    a FIFO nobody reads is an error, not a hang;
//  - a folder is an error.
// Failures are utvm::Error(kBadInput) naming `path`.
#pragma once

#include <filesystem>
#include <string_view>

namespace utvm {

void write_output_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace utvm
