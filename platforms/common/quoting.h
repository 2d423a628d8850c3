// Values written into generated files as data: CMake arguments and lists, POSIX shell words.
// Whatever a user typed reaches a tool quoted by these, never pasted into a command line.
#pragma once

#include <string>
#include <vector>

namespace utvm::platforms {

// A double-quoted CMake argument (", \, $ and ; escaped).
std::string cmake_quote(const std::string& s);
// " <quoted word>" per word: the elements of a CMake list, for set(NAME<list>).
std::string cmake_list(const std::vector<std::string>& words);
// One line "  <quoted prefix + source>" per model source (a leading "./" dropped), for a CMake
// list of the model's C files.
std::string cmake_source_lines(const std::vector<std::string>& sources, const std::string& prefix);
// A single-quoted POSIX shell word.
std::string shell_quote(const std::string& s);
// Whitespace-separated words ("python3 -m west" -> {"python3", "-m", "west"}).
std::vector<std::string> split_words(const std::string& s);

}  // namespace utvm::platforms
