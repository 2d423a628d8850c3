// "Did you mean ...?" for words a user mistyped: commands, flags, platforms, boards, project
// option names and choices. One rule everywhere: the candidate nearest by edit distance (an
// adjacent swap counts as one edit, case is ignored), if it is near enough to be a typo of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace utvm {

// The candidate `word` is most likely a typo of: edit distance at most 0 (case only) for words
// of up to 2 characters, 1 up to 4, 2 up to 8, else 3; or a candidate that starts with `word`
// (3+ characters). nullopt when none is that near, or `word` itself is a candidate.
std::optional<std::string> nearest_word(std::string_view word,
                                        const std::vector<std::string>& candidates);

// "\ndid you mean 'X'?" for nearest_word, or "" -- appended as its own line to an error message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace utvm
