#include "utvm/project_api/python_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace utvm::project_api {
namespace {

// Expected strings below were produced by CPython 3.11's json.dumps / repr on the same values.
TEST(DumpAsciiJson, MatchesPythonJsonDumps) {
  Json v = Json::object();
  v["a"] = Json::array({1, 2.0, 0.5, 1e-06, 1e16, 1e15, 123456789.125, -0.0, 0.0001, 1.5e-05, 1e22,
                        12345678901234567.0, 0.1});
  v["\xc3\xa9"] = "\xcf\x80\xf0\x9f\x98\x80\x7f\x01\n\"\\";
  v["n"] = nullptr;
  v["t"] = true;
  EXPECT_EQ(dump_ascii_json(v),
            "{\"a\": [1, 2.0, 0.5, 1e-06, 1e+16, 1000000000000000.0, 123456789.125, -0.0, "
            "0.0001, 1.5e-05, 1e+22, 1.2345678901234568e+16, 0.1], \"\\u00e9\": "
            "\"\\u03c0\\ud83d\\ude00\\u007f\\u0001\\n\\\"\\\\\", \"n\": null, \"t\": true}");
}

TEST(DumpAsciiJson, KeepsInsertionOrderAndSeparators) {
  Json reply = Json::object();
  reply["jsonrpc"] = "2.0";
  reply["id"] = 1;
  reply["result"] = nullptr;
  EXPECT_EQ(dump_ascii_json(reply), "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": null}");
  EXPECT_EQ(dump_ascii_json(Json::object()), "{}");
  EXPECT_EQ(dump_ascii_json(Json::array()), "[]");
  EXPECT_EQ(dump_ascii_json(Json::parse("[[], {}, [1, [2]]]")), "[[], {}, [1, [2]]]");
}

TEST(DumpAsciiJson, ControlCharactersAndInvalidUtf8) {
  EXPECT_EQ(dump_ascii_json(Json("\b\f\r\t\x1f")), "\"\\b\\f\\r\\t\\u001f\"");
  // Invalid UTF-8 cannot come from a parsed request; from C++ code it becomes U+FFFD.
  EXPECT_EQ(dump_ascii_json(Json(std::string("a\xff"
                                             "b"))),
            "\"a\\ufffdb\"");
  EXPECT_EQ(dump_ascii_json(Json(std::string("\xe2\x82"))), "\"\\ufffd\\ufffd\"");
}

TEST(DumpAsciiJson, NonStandardNumbersLikePython) {
  EXPECT_EQ(dump_ascii_json(Json(std::numeric_limits<double>::infinity())), "Infinity");
  EXPECT_EQ(dump_ascii_json(Json(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(dump_ascii_json(Json(std::nan(""))), "NaN");
  EXPECT_EQ(dump_ascii_json(Json(std::numeric_limits<std::uint64_t>::max())),
            "18446744073709551615");
  EXPECT_EQ(dump_ascii_json(Json(std::numeric_limits<std::int64_t>::min())),
            "-9223372036854775808");
}

TEST(DumpAsciiJson, RoundTripsThroughTheParser) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    double d;
    const std::uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string text = python_float_repr(d, true);
    EXPECT_EQ(Json::parse(text).get<double>(), d) << text;
  }
  const Json v = Json::parse(R"({"k": ["\u00e9\ud83d\ude00", -1, 3.25, {"x": null}]})");
  EXPECT_EQ(Json::parse(dump_ascii_json(v)), v);
}

TEST(DumpAsciiJson, PlainJsonTypeToo) {
  nlohmann::json j = {{"b", 1}, {"a", 0.5}};  // std::map: sorted keys
  EXPECT_EQ(dump_ascii_json(j), "{\"a\": 0.5, \"b\": 1}");
}

TEST(PythonFloatRepr, MatchesPythonRepr) {
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(5.0), "5.0");
  EXPECT_EQ(python_float_repr(0.5), "0.5");
  EXPECT_EQ(python_float_repr(1e-06), "1e-06");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e-5), "1e-05");
  EXPECT_EQ(python_float_repr(1e300), "1e+300");
  EXPECT_EQ(python_float_repr(2.5e-300), "2.5e-300");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(std::nan("")), "nan");
  EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(PythonRepr, MatchesPythonRepr) {
  Json v = Json::object();
  v["a"] = Json::array({1, 2.0, nullptr, true, false});
  v["q"] = "it's";
  v["b"] = "both ' \"";
  v["c"] = "\x01\x7f\xc2\xa0\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\t";
  EXPECT_EQ(python_repr(v),
            "{'a': [1, 2.0, None, True, False], 'q': \"it's\", 'b': 'both \\' \"', "
            "'c': '\\x01\\x7f\\xa0\xc3\xa9\\u2028\xf0\x9f\x98\x80\\t'}");
  EXPECT_EQ(python_repr(Json(1)), "1");
  EXPECT_EQ(python_repr(Json(1.0)), "1.0");
  EXPECT_EQ(python_repr(Json("bar!")), "'bar!'");
  EXPECT_EQ(python_repr(Json::object()), "{}");
  EXPECT_EQ(python_repr(Json("a\\b\nc")), "'a\\\\b\\nc'");
}

}  // namespace
}  // namespace utvm::project_api

namespace utvm::project_api {
namespace {

std::string parse_error(std::string_view text) {
  std::string err;
  EXPECT_FALSE(parse_json(text, &err)) << text;
  return err;
}

TEST(ParseJson, AcceptsWhatPythonJsonLoadsAccepts) {
  EXPECT_EQ(parse_json(R"( {"a": [1, -2, 3.5, true, false, null, "x"]} )"),
            Json::parse(R"({"a": [1, -2, 3.5, true, false, null, "x"]})"));
  EXPECT_EQ(parse_json("\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\""),
            Json("\xc3\xa9\xf0\x9f\x98\x80/\b\f\n\r\t"));
  EXPECT_EQ(parse_json("\"\xc3\xa9\""), Json("\xc3\xa9"));  // raw UTF-8
  EXPECT_TRUE(std::isnan(parse_json("NaN")->get<double>()));
  EXPECT_EQ(parse_json("[Infinity, -Infinity]")->dump(), "[null,null]");  // nlohmann prints null
  EXPECT_EQ(dump_ascii_json(*parse_json("[Infinity, -Infinity, 1e400, -1e-400]")),
            "[Infinity, -Infinity, Infinity, -0.0]");
  // Integer types: negative → int64, else uint64, out of range → double.
  EXPECT_TRUE(parse_json("-5")->is_number_integer());
  EXPECT_TRUE(parse_json("18446744073709551615")->is_number_unsigned());
  EXPECT_TRUE(parse_json("18446744073709551616")->is_number_float());
  EXPECT_TRUE(parse_json("1.0")->is_number_float());
  EXPECT_TRUE(parse_json("1e2")->is_number_float());
  // A repeated key keeps its first position and takes the last value (Python dict semantics).
  EXPECT_EQ(dump_ascii_json(*parse_json(R"({"a": 1, "b": 2, "a": 3})")), "{\"a\": 3, \"b\": 2}");
  EXPECT_EQ(dump_ascii_json(*parse_json(R"({"z": 1, "a": 2})")), "{\"z\": 1, \"a\": 2}");
}

TEST(ParseJson, RejectsWhatPythonJsonLoadsRejects) {
  for (const char* bad : {"",
                          " ",
                          "1.",
                          "01",
                          "-",
                          ".5",
                          "1e",
                          "[1,]",
                          "{\"a\":1,}",
                          "{'a': 1}",
                          "[1] x",
                          "tru",
                          "nul",
                          "\"abc",
                          "\"a\x01\"",
                          "\"\\x41\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "\"\xff\"",
                          "\"\xc0\x80\"",
                          "\"\xed\xa0\x80\"",
                          "{1: 2}",
                          "[",
                          "{\"a\" 1}",
                          "+1",
                          "Inf",
                          "-NaN"}) {
    EXPECT_FALSE(parse_json(bad)) << bad;
  }
  EXPECT_EQ(parse_error("[1, 2,]"), "expecting value at byte 6");
  EXPECT_EQ(parse_error("{\"a\": 1} x"), "extra data at byte 9");
}

TEST(ParseJson, NestingLimit) {
  const std::string ok = std::string(900, '[') + std::string(900, ']');
  EXPECT_TRUE(parse_json(ok));
  const std::string deep = std::string(901, '[') + std::string(901, ']');
  EXPECT_EQ(parse_error(deep), "nesting too deep at byte 900");
  EXPECT_TRUE(parse_json(deep, nullptr, 1000));
}

TEST(ParseJson, AgreesWithNlohmannOnItsOwnOutput) {
  std::mt19937 rng(99);
  auto random_value = [&](auto& self, int depth) -> Json {
    switch (rng() % (depth > 3 ? 5 : 7)) {
      case 0:
        return nullptr;
      case 1:
        return static_cast<bool>(rng() & 1);
      case 2:
        return static_cast<std::int64_t>(rng()) - (1ll << 31);
      case 3:
        return std::ldexp(static_cast<double>(rng()), static_cast<int>(rng() % 200) - 100);
      case 4: {
        std::string s;
        for (int i = rng() % 12; i > 0; --i) {
          const char32_t cp =
              rng() % 3 == 0 ? rng() % 0x20 : (rng() % 2 ? 0x20 + rng() % 95 : 0xE9);
          if (cp < 0x80) {
            s += static_cast<char>(cp);
          } else {
            s += "\xc3\xa9";
          }
        }
        return s;
      }
      case 5: {
        Json a = Json::array();
        for (int i = rng() % 4; i > 0; --i)
          a.push_back(self(self, depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (int i = rng() % 4; i > 0; --i) {
          const char key[3] = {'k', static_cast<char>('0' + rng() % 10), '\0'};
          o[key] = self(self, depth + 1);
        }
        return o;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {
    const Json v = random_value(random_value, 0);
    const std::string text = dump_ascii_json(v);
    const auto mine = parse_json(text);
    ASSERT_TRUE(mine) << text;
    EXPECT_EQ(*mine, Json::parse(text)) << text;
    EXPECT_EQ(dump_ascii_json(*mine), text);
  }
}

}  // namespace
}  // namespace utvm::project_api
