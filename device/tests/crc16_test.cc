// The device CRC (whichever variant this binary links: nibble table or slicing-by-8) against the
// check value and the host's implementation, over random lengths and split points.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "utvm/crc16.h"
#include "utvm/link/frame.h"

// Each variant's binary names its suite, so ctest sees two distinct tests.
#ifndef UTVM_CRC_SUITE
#define UTVM_CRC_SUITE DeviceCrc16
#endif

namespace {

TEST(UTVM_CRC_SUITE, MatchesCheckValueAndHostForAnySplit) {
  const char* check = "123456789";
  EXPECT_EQ(utvm_crc16_update(UTVM_CRC16_INIT, reinterpret_cast<const std::uint8_t*>(check), 9),
            0x29B1);
  std::mt19937 rng(3);
  for (int t = 0; t < 2000; ++t) {
    std::vector<std::uint8_t> d(rng() % 300);
    for (auto& b : d)
      b = static_cast<std::uint8_t>(rng());
    const std::size_t cut = d.empty() ? 0 : rng() % d.size();
    std::uint16_t c = utvm_crc16_update(UTVM_CRC16_INIT, d.data(), cut);
    c = utvm_crc16_update(c, d.data() + cut, d.size() - cut);
    ASSERT_EQ(c, utvm::link::crc16(d)) << "trial " << t;
  }
}

}  // namespace
