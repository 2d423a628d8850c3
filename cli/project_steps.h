// create-project, build and flash as functions, for commands that make projects of their own
// (`utvm validate`'s host reference) or deploy them first (`utvm run --build`). Same checks,
// messages and logs as the commands.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace utvm::cli {

// `utvm create-project --force DIR MLF PLATFORM --project-option OPTIONS...` (OPTIONS as K=V).
void create_project(const std::filesystem::path& dir, const std::filesystem::path& mlf,
                    const std::string& platform, const std::vector<std::string>& options = {});
// `utvm build DIR` (incremental); the memory report goes to stderr when `report_to_stderr`.
void build_project(const std::filesystem::path& dir, bool report_to_stderr = false);
// `utvm flash DIR`.
void flash_project(const std::filesystem::path& dir);

}  // namespace utvm::cli
