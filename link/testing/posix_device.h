// Test/bench support: builds a POSIX device program for a real MLF model -- utvm's generated glue
// (AOT) or lowered graph executor + the model's own sources + device runtime + link + POSIX port
// -- and starts it on pipes, so the link can be exercised against real TVM output.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "reference.h"
#include "utvm/common/subprocess.h"
#include "utvm/transport/fd_stream.h"

namespace utvm::link::testing {

// Compiles (once per out_dir) and returns the executable. Throws utvm::Error with the compiler
// log on failure.
std::filesystem::path build_posix_device(const codegen::testing::HostReference& ref,
                                         const std::filesystem::path& out_dir,
                                         const std::filesystem::path& source_dir);

// A device program running on the other end of two pipes; terminated on destruction.
struct PipeDevice {
  Process process;
  std::unique_ptr<transport::FdStream> stream;
};
PipeDevice start_pipe_device(const std::vector<std::string>& argv);

}  // namespace utvm::link::testing
