// Model-versus-board fit from metadata and board data: every boards file shape, AVR weights in
// RAM, unknown sizes, and the shortfall text.
#include "utvm/cli/board_fit.h"

#include <gtest/gtest.h>

namespace utvm::cli {
namespace {

TEST(BoardFit, ReadsTheBoardsMemory) {
  platforms::Board b;
  b.ram.size = 4u << 20;
  b.flash.size = 4096;
  auto bm = board_memory(b);
  EXPECT_EQ(bm.ram, 4u << 20);
  EXPECT_EQ(bm.flash, 4096u);
  EXPECT_FALSE(bm.avr);
  b.flash.size = 0;  // qemu_x86: no flash apart
  b.arch = "avr";
  bm = board_memory(b);
  EXPECT_EQ(bm.flash, std::nullopt);
  EXPECT_TRUE(bm.avr);
  EXPECT_EQ(board_memory(platforms::Board{}).ram, std::nullopt);
}

TEST(BoardFit, ShortfallAndAvrWeights) {
  ModelNeeds needs{/*arena=*/4096, /*io=*/1024, /*constants=*/3000};
  Fit f = fit(needs, {8192, 2048, false});
  EXPECT_EQ(f.ram_needed, 5120u);
  EXPECT_EQ(f.flash_short(), 952u);
  EXPECT_FALSE(f.fits());
  EXPECT_EQ(shortfall_text(f), "flash short by 952 B");
  f = fit(needs, {4096, 1 << 20, true});  // AVR: the weights count in RAM too
  EXPECT_EQ(f.ram_needed, 8120u);
  EXPECT_EQ(shortfall_text(f), "RAM short by 3.9 KiB");
  f = fit(needs, {std::nullopt, std::nullopt, false});
  EXPECT_TRUE(f.fits());  // unknown sizes do not fail
}

}  // namespace
}  // namespace utvm::cli
