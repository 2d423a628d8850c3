// Typo suggestions: near words are found, far ones are not, exact words need none.
#include "utvm/common/suggest.h"

#include <gtest/gtest.h>

namespace utvm {
namespace {

const std::vector<std::string> kOptions = {"board", "verbose", "workspace_size_bytes",
                                           "project_type", "cmsis_path"};

TEST(Suggest, NearestByEditDistance) {
  EXPECT_EQ(nearest_word("bord", kOptions), "board");                           // deletion
  EXPECT_EQ(nearest_word("baord", kOptions), "board");                          // transposition
  EXPECT_EQ(nearest_word("verbsoe", kOptions), "verbose");                      // transposition
  EXPECT_EQ(nearest_word("workspace_size", kOptions), "workspace_size_bytes");  // prefix
  EXPECT_EQ(nearest_word("BOARD", kOptions), "board");                          // case
  EXPECT_EQ(nearest_word("mps2_an358", {"mps2_an385", "mps2_an386"}), "mps2_an385");
  EXPECT_EQ(nearest_word("hots", {"arduino", "baremetal", "host", "zephyr"}), "host");
}

TEST(Suggest, NothingForFarOrExactWords) {
  EXPECT_EQ(nearest_word("colour", kOptions), std::nullopt);
  EXPECT_EQ(nearest_word("board", kOptions), std::nullopt);
  EXPECT_EQ(nearest_word("", kOptions), std::nullopt);
  EXPECT_EQ(nearest_word("xy", {"ab"}), std::nullopt);
  EXPECT_EQ(did_you_mean("bord", kOptions), "\ndid you mean 'board'?");
  EXPECT_EQ(did_you_mean("zzz", kOptions), "");
}

}  // namespace
}  // namespace utvm
