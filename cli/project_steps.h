// create-project and build as functions, for commands that make projects of their own
// (`utvm validate`'s host reference). Same checks, messages and logs as the commands.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace utvm::cli {

// `utvm create-project --force DIR MLF PLATFORM --project-option OPTIONS...` (OPTIONS as K=V).
void create_project(const std::filesystem::path& dir, const std::filesystem::path& mlf,
                    const std::string& platform, const std::vector<std::string>& options = {});
// `utvm build DIR` (incremental).
void build_project(const std::filesystem::path& dir);

}  // namespace utvm::cli
