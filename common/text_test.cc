#include "utvm/common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace utvm {
namespace {

TEST(AppendUtf8, EncodesEachLengthAsWellFormedUtf8) {
  std::string s;
  append_utf8(s, U'A');           // 1 byte
  append_utf8(s, U'\u00e9');      // 2 bytes
  append_utf8(s, U'\u20ac');      // 3 bytes
  append_utf8(s, U'\U0001f600');  // 4 bytes
  EXPECT_EQ(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_TRUE(is_valid_utf8(s));
}

TEST(AppendUtf8, BoundariesOfEachLength) {
  for (char32_t cp :
       {U'\u007f', U'\u0080', U'\u07ff', U'\u0800', U'\uffff', U'\U00010000', U'\U0010ffff'}) {
    std::string s;
    append_utf8(s, cp);
    EXPECT_TRUE(is_valid_utf8(s)) << static_cast<unsigned>(cp);
  }
}

TEST(Printable, EscapesControlCharactersAndInvalidBytes) {
  EXPECT_EQ(printable("a\x1b]0;x\x07"
                      "b"),
            "a\\x1b]0;x\\x07b");
  EXPECT_EQ(printable("\xff"), "\\xff");
  EXPECT_EQ(printable("one\ntwo", /*keep_lines=*/true), "one\ntwo");
  EXPECT_TRUE(has_control_char("a\x7f"));
  EXPECT_FALSE(has_control_char("caf\xc3\xa9"));
}

TEST(Capped, KeepsBothEndsOfALongText) {
  const std::string s(1000, 'x');
  const std::string c = capped(s + "END", 100);
  EXPECT_LE(c.size(), 200u);
  EXPECT_EQ(c.substr(c.size() - 3), "END");
  EXPECT_EQ(capped("short", 100), "short");
}

}  // namespace
}  // namespace utvm
