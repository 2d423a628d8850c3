#include "utvm/common/suggest.h"

#include <gtest/gtest.h>

namespace utvm {
namespace {

const std::vector<std::string> kOptions = {"board",      "project_type",     "verbose",
                                           "cmsis_path", "warning_as_error", "zephyr_base"};

TEST(Suggest, TyposFindTheNearestWord) {
  EXPECT_EQ(nearest_word("bord", kOptions), "board");             // a letter missing
  EXPECT_EQ(nearest_word("baord", kOptions), "board");            // two letters swapped
  EXPECT_EQ(nearest_word("Verbose", kOptions), "verbose");        // case
  EXPECT_EQ(nearest_word("cmsis-path", kOptions), "cmsis_path");  // a different separator
  EXPECT_EQ(nearest_word("zephyr_bsae", kOptions), "zephyr_base");
}

TEST(Suggest, OtherWordsGetNoSuggestion) {
  EXPECT_EQ(nearest_word("colour", kOptions), std::nullopt);
  EXPECT_EQ(nearest_word("", kOptions), std::nullopt);
  EXPECT_EQ(nearest_word("x", {}), std::nullopt);
  EXPECT_EQ(did_you_mean("colour", kOptions), "");
}

TEST(Suggest, AUniquePrefixIsCompleted) {
  const std::vector<std::string> boards = {"mps2_an385", "mps2_an386", "mps3_an547"};
  EXPECT_EQ(nearest_word("mps3", boards), "mps3_an547");
  EXPECT_EQ(nearest_word("mps2", boards), std::nullopt);  // two boards start so
  EXPECT_EQ(did_you_mean("mps2_an38", boards), "did you mean 'mps2_an385'?");
}

}  // namespace
}  // namespace utvm
