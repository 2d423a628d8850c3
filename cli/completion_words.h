// What the shell completion scripts offer for one command line: `utvm __complete -- WORD...`
// (the words after `utvm`, the last one being the word under the cursor, possibly empty) prints
// one candidate per line. The bash, zsh and fish scripts (`utvm completion SHELL`) are thin
// wrappers around it, so all three complete the same things from the live command tree:
// commands, flags, platforms, project option names and their choices (boards among them), and
// file or directory arguments. Directive lines start with ':' and are not candidates:
//   :files    also complete file names     :dirs  also complete directory names
//   :nospace  do not add a space after the candidate (an option name ending in '=')
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace utvm::cli {

// Candidates for `words` (the last is the partial word) against the command tree under `root`.
// Never throws: whatever cannot be found (a platform, a project, a server) offers nothing.
std::vector<std::string> completion_words(const CLI::App& root,
                                          const std::vector<std::string>& words);

}  // namespace utvm::cli
