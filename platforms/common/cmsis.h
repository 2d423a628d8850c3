// CMSIS for models that need it, once for every built-in platform: the `cmsis_path` option
// (TVM's name; $CMSIS_PATH when unset), finding the headers and CMSIS-NN's sources in the layouts
// users have, and what a project's build needs from it.
//
// Layouts accepted at a cmsis_path:
//   TVM's     CMSIS/Core/Include, CMSIS/DSP/Include, CMSIS-NN/{Include,Source}   (CMSIS_5 +
//   CMSIS-NN) CMSIS_5   CMSIS/Core/Include, CMSIS/DSP/Include, CMSIS/NN/{Include,Source}   (CMSIS_5
//   <= 5.8) CMSIS-NN  Include/, Source/                                                  (a
//   CMSIS-NN checkout) CMSIS     CMSIS/Core/Include [, CMSIS/DSP/Include] (CMSIS_5, no NN)
// Whether a model needs CMSIS is decided from its sources (mlf::CmsisUse); when it does and no
// tree with every header it includes is found, generate_project fails with utvm::Error(kOption)
// naming the header, the model file and the option -- never a compiler error later.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/mlf/cmsis.h"
#include "utvm/mlf/model.h"
#include "utvm/project_api/messages.h"

namespace utvm::platforms {

struct CmsisTree {
  std::filesystem::path root;  // absolute
  std::string layout;          // "TVM", "CMSIS_5", "CMSIS-NN" or "CMSIS (no NN)"
  std::filesystem::path core_include, dsp_include, nn_include, nn_source;  // empty when absent
  std::vector<std::filesystem::path> nn_sources;  // every .c under nn_source, sorted

  // The include directories, NN first (empty ones left out).
  std::vector<std::filesystem::path> include_dirs() const;
  // The directory that holds `header` (as a model #includes it), if any.
  std::optional<std::filesystem::path> find_header(const std::string& header) const;
};

// The layout at `root`, or nullopt when `root` is none of the layouts above.
std::optional<CmsisTree> detect_cmsis_layout(const std::filesystem::path& root);

// The `cmsis_path` project option (generate_project).
project_api::ProjectOption cmsis_path_option();

// The CMSIS tree a model's project builds with, or nullopt when `module` needs none (then
// nothing about CMSIS is checked, not even a given cmsis_path). Candidates, in order: option
// cmsis_path, $CMSIS_PATH, then `fallbacks` (e.g. a Zephyr tree's modules/lib/cmsis-nn). The
// first candidate that is a CMSIS tree is taken; it must hold every CMSIS header the model
// includes (and, for CMSIS-NN >= 4 code, CMSIS-NN >= 4). Failures are utvm::Error(kOption)
// naming the header, the model file in `mlf_path` and the option.
std::optional<CmsisTree> resolve_cmsis(const nlohmann::json& options, const mlf::Module& module,
                                       const std::filesystem::path& mlf_path,
                                       std::string_view platform,
                                       const std::vector<std::filesystem::path>& fallbacks = {});

// Lines of CMake for a generated project: UTVM_CMSIS_INCLUDE_DIRS and UTVM_CMSIS_NN_SOURCES (empty
// lists without CMSIS), built by the platform's CMakeLists as a static library so that only the
// CMSIS-NN functions the model calls are linked.
std::string cmsis_cmake_lines(const std::optional<CmsisTree>& cmsis);

// C flags for compiling CMSIS-NN (and code including it) for a non-Arm host: CMSIS-NN 4.1's
// Internal/arm_nn_compiler.h uses uint8_t before any header defines it off-target.
std::vector<std::string> cmsis_host_cflags();

// What project.json records: null, or {"path", "layout"}.
nlohmann::json cmsis_project_json(const std::optional<CmsisTree>& cmsis);

// The error for a board that cannot run CMSIS code (e.g. AVR): utvm::Error(kOption) naming the
// model file, the first CMSIS header and `why`.
[[noreturn]] void refuse_cmsis(const mlf::Module& module, const std::filesystem::path& mlf_path,
                               const std::string& board, const std::string& why);

}  // namespace utvm::platforms
