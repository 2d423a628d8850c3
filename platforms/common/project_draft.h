// generate_project's frame, the same for every platform: a generated project drafted in a temporary
// sibling directory (the MLF copied, read and extracted), filled by the platform, given its launch
// script and renamed into place, or removed on any failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace utvm::platforms {

// A generated project while generate_project writes it: the files go into `dir`, a temporary
// sibling of the final `project` directory. The MLF is already there as model.tar and extracted
// under model/. The firmware serves every module of the archive (one or several, export_model_
// library_format([...])); the link's HELLO selects one at run time.
struct ProjectDraft {
  const std::filesystem::path& mlf_path;  // the archive as the client named it (absolute)
  const std::filesystem::path& project;   // the final directory (absolute)
  const std::filesystem::path& dir;       // where the files go until the rename
  const mlf::Archive& archive;
  std::span<const mlf::Module> modules;  // every module, in the archive's order (at least one)

  // "sine", or the module names joined by '+' ("sine+multi_io"): project.json's model, build ids.
  std::string model_name() const;
  // Every module's C sources (archive member names), each once, sorted.
  std::vector<std::string> sources() const;
  // Bytes of all modules' tensors / constants together (each module has its own buffers).
  std::uint64_t io_bytes() const;
  std::uint64_t constants_bytes() const;
  // The workspace arena the firmware gets: `option`, or the largest module's default (the
  // modules share one arena; codegen::generate_firmware_c).
  std::uint64_t arena_bytes(std::optional<std::uint64_t> option) const;
  // src/utvm_glue.c: codegen::generate_firmware_c over every module.
  std::string executor_c(const std::string& build_id,
                         std::optional<std::uint64_t> workspace_size_bytes) const;
};

// generate_project's frame, the same for every platform: `project_dir` must not exist and the MLF
// must; the MLF is copied into a fresh temporary sibling directory, read and extracted; every
// module must have C sources (errors name `platform`). Then `fill` writes the
// platform's files, the project's launch_microtvm_api_server.sh (`utvm api-server <platform>`) is
// added and the directory is renamed into place. On any failure nothing is left behind and the
// error is a project_api::ServerError with its text (and a utvm::Error's exit code: option
// errors stay 3, unusable input 10).
void write_project(const std::filesystem::path& mlf_path, const std::filesystem::path& project_dir,
                   std::string_view platform, const std::function<void(const ProjectDraft&)>& fill);

}  // namespace utvm::platforms
