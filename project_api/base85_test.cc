#include "utvm/project_api/base85.h"

#include <gtest/gtest.h>

#include <random>

#include "utvm/common/error.h"

namespace utvm::project_api {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// Spec §3.10 vectors (observed from CPython's base64.b85encode/b85decode).
TEST(Base85, SpecVectorsEncode) {
  EXPECT_EQ(b85encode(bytes(std::string_view("foo\x1b", 4))), "W^ZpB");
  EXPECT_EQ(b85encode(bytes(std::string_view("\0", 1))), "00");
  EXPECT_EQ(b85encode(bytes(std::string_view("\0\0\0\0", 4))), "00000");
  EXPECT_EQ(b85encode(bytes("abcde")), "VPa!sWd");
  EXPECT_EQ(b85encode(bytes("")), "");
}

TEST(Base85, SpecVectorsDecode) {
  EXPECT_EQ(b85decode("W^ZpB"), bytes(std::string_view("foo\x1b", 4)));
  EXPECT_EQ(b85decode("00"), bytes(std::string_view("\0", 1)));
  EXPECT_EQ(b85decode("00000"), bytes(std::string_view("\0\0\0\0", 4)));
  EXPECT_EQ(b85decode("VPa!sWd"), bytes("abcde"));
  EXPECT_EQ(b85decode(""), bytes(""));
  EXPECT_EQ(b85decode("VPa"), bytes("ab"));
}

TEST(Base85, SingleLeftoverCharacterDecodesToNothing) {
  EXPECT_EQ(b85decode("V"), bytes(""));
  EXPECT_EQ(b85decode("00000V"), bytes(std::string_view("\0\0\0\0", 4)));
}

TEST(Base85, AllOnesAndAlphabetEdges) {
  EXPECT_EQ(b85encode(bytes("\xff\xff\xff\xff")), "|NsC0");
  EXPECT_EQ(b85decode("|NsC0"), bytes("\xff\xff\xff\xff"));
  // '~' is digit 84 and the backtick is a member of the alphabet.
  EXPECT_NO_THROW(b85decode("`~`~`"));
}

TEST(Base85, BadCharacterReportsPosition) {
  try {
    b85decode("W^Zp\"");
    FAIL() << "expected an error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(std::string(e.what()), "bad base85 character at position 4");
    EXPECT_EQ(e.code(), ExitCode::kServerError);
  }
  try {
    b85decode("0000000 ");  // in the padded tail group
    FAIL() << "expected an error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(std::string(e.what()), "bad base85 character at position 7");
  }
  EXPECT_THROW(b85decode("\xc3\xa9"), utvm::Error);  // non-ASCII
}

TEST(Base85, OverflowIsAnError) {
  try {
    b85decode("00000~~~~~");
    FAIL() << "expected an error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(std::string(e.what()), "base85 overflow in hunk starting at byte 5");
  }
  EXPECT_THROW(b85decode("|NsC1"), utvm::Error);  // 2^32 exactly
}

TEST(Base85, RandomRoundTrips) {
  std::mt19937 rng(1234);
  for (int len = 0; len < 300; ++len) {
    std::vector<std::uint8_t> data(static_cast<std::size_t>(len));
    for (auto& b : data)
      b = static_cast<std::uint8_t>(rng());
    const std::string text = b85encode(data);
    ASSERT_EQ(text.size(), len / 4 * 5 + (len % 4 ? len % 4 + 1 : 0));
    ASSERT_EQ(text.find_first_of("\"\\"), std::string::npos);
    ASSERT_EQ(b85decode(text), data) << "length " << len;
  }
}

TEST(Base85, AppendVariantsKeepExistingContent) {
  std::string text = "x";
  b85encode_append(bytes("abcde"), text);
  EXPECT_EQ(text, "xVPa!sWd");
  std::vector<std::uint8_t> out = {7};
  b85decode_append("VPa!sWd", out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{7, 'a', 'b', 'c', 'd', 'e'}));
}

}  // namespace
}  // namespace utvm::project_api
