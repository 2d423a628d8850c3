// Helpers for codegen's tests: compile generated C with the host compiler and run it.
#pragma once

#include <filesystem>
#include <optional>
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

// Compiles (-c, no link) `sources` for a Cortex-M7 with arm-none-eabi-gcc against device/include
// plus `include_dirs` (dlpack.h is provided from the host's copy). Returns nullopt when the
// cross compiler is missing, else success; `log` gets the compiler output.
std::optional<bool> cross_compiles_cortex_m(const std::vector<std::filesystem::path>& sources,
                                            const std::vector<std::filesystem::path>& include_dirs,
                                            const std::filesystem::path& work_dir,
                                            std::string* log);

}  // namespace utvm::codegen::test
