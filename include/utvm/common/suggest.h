// "Did you mean ...?" for a word the user typed that is not one of the known ones (a command, a
// flag, a platform, a project option or one of its choices): the nearest known word by edit
// distance (a swap of two neighbours counts as one edit, case is ignored), when it is close
// enough to be a typo rather than another word.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace utvm {

// The candidate nearest to `word`, or nullopt when none is within max(1, size/3) edits (none for words under 3 letters) (or
// within a prefix of it: "mps2" suggests "mps2_an385" when that is the only such candidate).
std::optional<std::string> nearest_word(std::string_view word,
                                        const std::vector<std::string>& candidates);

// "did you mean 'X'?" for the nearest candidate, or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace utvm
