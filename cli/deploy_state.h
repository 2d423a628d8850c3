// Whether a project's device runs the project's current sources, for `utvm run --build`.
// A successful `utvm flash` marks the project deployed (build/.utvm-deployed); `utvm build`
// removes the mark (the new image is not on the device yet); editing any file of the project
// after the mark (its sources, model, options; not build/ or utvm's own bookkeeping) makes the
// device stale again.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace utvm::cli {

// Why the project must be built and flashed before it runs, or nullopt when the device is
// current. The reason names the first changed file found.
std::optional<std::string> why_stale(const std::filesystem::path& project_dir);

// After a successful flash.
void mark_deployed(const std::filesystem::path& project_dir);

// When a build starts.
void clear_deployed(const std::filesystem::path& project_dir);

}  // namespace utvm::cli
