// Helpers for codegen's tests: compile generated C with the host compiler and run it.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace utvm::codegen::test {

// A fresh, empty directory under the build tree for one test.
std::filesystem::path scratch_dir(const std::string& name);

// Compiles `source` alone (-c) with cc -std=c99 -pedantic -Wall -Wextra -Werror against
// device/include. On failure `log` gets the compiler output.
// `extra_include` (optional) is added with -I (e.g. a model's codegen/host/include).
bool compiles_strict(const std::string& source, std::string* log,
                     const std::filesystem::path& extra_include = {});

// Writes `files` (name, text) into `dir`, links the .c files with device/src/workspace.c
// (cc -O2 -std=gnu99 ... -lm) and runs the program. Returns true when both succeed;
// `output` gets the program's stdout+stderr (or the compiler's output on a build failure).
bool compile_and_run(const std::filesystem::path& dir,
                     const std::vector<std::pair<std::string, std::string>>& files,
                     std::string* output);

}  // namespace utvm::codegen::test
