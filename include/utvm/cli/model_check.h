// Whether the model a project was created from has changed since. create-project records the
// SHA-256 of the archive it was given (utvm-project.json, "mlf": {"path", "sha256"}); build,
// flash and run compare it with that archive now and with the project's own copy
// (PROJECT_DIR/model.tar). A changed archive is not an error -- the project still holds the model
// it was generated from -- but the user is told which file changed and what to do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "utvm/cli/project.h"

namespace utvm::cli {

// One "warning: ..." text per changed archive (none when both match the record, when the record
// has no digest, or when a file is gone or unreadable: those are reported by the steps that read
// them). Each names the file and the create-project command that takes the new model.
std::vector<std::string> model_change_warnings(const std::filesystem::path& project_dir,
                                               const ProjectFile& project);

// Prints model_change_warnings() to stderr.
void warn_if_model_changed(const std::filesystem::path& project_dir, const ProjectFile& project);

}  // namespace utvm::cli
