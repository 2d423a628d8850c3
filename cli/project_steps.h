// create-project and build as functions, for commands that make projects of their own
// (`utvm validate`'s host reference). Same checks, messages and logs as the commands.
#pragma once

#include <filesystem>
#include <string>

namespace utvm::cli {

// `utvm create-project --force DIR MLF PLATFORM` (default options).
void create_project(const std::filesystem::path& dir, const std::filesystem::path& mlf,
                    const std::string& platform);
// `utvm build DIR` (incremental).
void build_project(const std::filesystem::path& dir);

}  // namespace utvm::cli
