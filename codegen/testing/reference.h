// Test support: runs an MLF's own generated C on the host, two ways, so tests can check that
// utvm's generated glue is bit-identical to calling the model directly.
//   run_direct(): the model's sources + a plain main that reads raw input bytes, calls the
//                 model's own entry point (tvmgen_<mod>_run with the structs, the packed wrapper
//                 with DLTensors, or run_model) and writes raw output bytes. Its workspace
//                 allocator is malloc, so nothing of utvm's device runtime is involved.
//   run_glue():   the generated glue (AOT) or lowered graph executor + the model's sources +
//                 utvm's device/src/workspace.c + a main that fills utvm_model.inputs, calls
//                 utvm_model.run() and writes utvm_model.outputs.
// Both compile with `cc -O2 -std=gnu99 -I<device include> -I<model include> ... -lm` once and
// reuse the executable. Every failure throws utvm::Error naming the step (compile log included).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace utvm::codegen::testing {

using Tensors = std::vector<std::string>;  // raw bytes per tensor, in model order

class HostReference {
 public:
  // Reads `archive`, loads its first module (or `module_name`) and extracts it under
  // `work_dir` (created if needed; must be writable). `source_dir` is the utvm checkout (for
  // device/include and device/src/workspace.c).
  HostReference(const std::filesystem::path& archive, const std::filesystem::path& work_dir,
                const std::filesystem::path& source_dir, const std::string& module_name = "");

  const mlf::Module& module() const { return module_; }
  const mlf::Archive& archive() const { return archive_; }
  // Where the archive was extracted (its codegen/host/include holds the interface header).
  const std::filesystem::path& model_dir() const { return model_dir_; }

  // Why the model's own code cannot be compiled for this host (e.g. it includes <arm_acle.h>),
  // or nullopt when it can.
  std::optional<std::string> host_incompatibility() const;

  // Compiles both programs with a portable C emulation of the Arm ACLE intrinsics TVM's
  // Cortex-M schedules use (__sxtb16, __smlad, __ror, __pkhbt, __pkhtb) in place of
  // <arm_acle.h>, so Arm-scheduled models (letscope) also run on an x86 host. Call before the
  // first run.
  void emulate_arm_acle();

  // The C file run_glue() compiles: AOT glue or the lowered graph executor.
  std::string glue_source() const;

  // Byte sizes of the inputs / outputs, in order (from the glue's tensor tables).
  std::vector<uint64_t> input_sizes() const;
  std::vector<uint64_t> output_sizes() const;

  // Throws utvm::Error(kBadInput) for a graph-executor module (it has no direct entry point).
  Tensors run_direct(const Tensors& inputs);
  Tensors run_glue(const Tensors& inputs);

 private:
  std::filesystem::path build(const std::string& name, const std::string& main_c,
                              const std::vector<std::filesystem::path>& extra_sources);
  Tensors run(const std::filesystem::path& exe, const Tensors& inputs,
              const std::vector<uint64_t>& out_sizes, const std::string& what);

  mlf::Archive archive_;
  mlf::Module module_;
  std::filesystem::path work_dir_, model_dir_, source_dir_;
  std::optional<std::filesystem::path> direct_exe_, glue_exe_;
  std::vector<uint64_t> in_sizes_, out_sizes_;
  std::optional<std::filesystem::path> stub_include_;
};

}  // namespace utvm::codegen::testing
