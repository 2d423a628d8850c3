// Files of a generated project: writing and reading whole files, copying utvm's installed trees
// into a project, and the tail of a log for an error message.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace utvm::platforms {

// Writes `text` to `path`, creating parent directories; throws utvm::Error on failure.
void write_file(const std::filesystem::path& path, const std::string& text);
// The whole file; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);
// The last `max` bytes of `text`, marked with "..." when cut.
std::string tail(const std::string& text, std::size_t max = 4000);

// Copies the file or directory `from` (recursively) to `to`; a missing `from` is a broken
// installation (utvm::Error).
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace utvm::platforms
