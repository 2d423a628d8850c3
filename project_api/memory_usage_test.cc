// The build's memory report: PlatformIO's bar lines, the breakdown, and the JSON both ways.
#include "utvm/project_api/memory_usage.h"

#include <gtest/gtest.h>

#include "utvm/common/error.h"

namespace utvm::project_api {
namespace {

using json = nlohmann::json;

MemoryUsage sample() {
  MemoryUsage u;
  u.board = "mps2_an385";
  u.ram = {20412, 65536};
  u.flash = {15744, 262144};
  u.breakdown = {{"model weights", "flash", 8192},
                 {"workspace arena", "ram", 2048},
                 {"runtime, link and the rest", "ram", 18364}};
  return u;
}

TEST(MemoryUsage, PrintsPlatformIoBarsThenTheBreakdown) {
  EXPECT_EQ(format_memory_usage(sample()),
            "RAM:   [===       ]  31.1% (used 20412 bytes from 65536 bytes)\n"
            "Flash: [=         ]   6.0% (used 15744 bytes from 262144 bytes)\n"
            "  model weights                     8192 bytes  flash\n"
            "  workspace arena                   2048 bytes  RAM\n"
            "  runtime, link and the rest       18364 bytes  RAM\n");
}

TEST(MemoryUsage, FullOverfullAndUnknownSize) {
  MemoryUsage u;
  u.ram = {8192, 8192};
  u.flash = {300, 0};
  EXPECT_EQ(format_memory_usage(u),
            "RAM:   [==========] 100.0% (used 8192 bytes from 8192 bytes)\n"
            "Flash: (used 300 bytes)\n");
  u.ram = {12288, 8192};
  EXPECT_EQ(format_memory_usage(u).substr(0, 26), "RAM:   [==========] 150.0%");
}

TEST(MemoryUsage, JsonRoundTripAndSchema) {
  json j = to_json(sample());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["ram"]["used"], 20412);
  EXPECT_EQ(j["breakdown"][1]["region"], "ram");
  MemoryUsage back = memory_usage_from_json(j);
  EXPECT_EQ(to_json(back), j);
}

TEST(MemoryUsage, StrictReaderNamesTheField) {
  json j = to_json(sample());
  j["schema_version"] = 2;
  EXPECT_THROW(memory_usage_from_json(j), Error);
  j = to_json(sample());
  j["ram"].erase("size");
  try {
    memory_usage_from_json(j);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "memory report: ram.size: missing");
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
  j = to_json(sample());
  j["breakdown"][0]["region"] = "eeprom";
  EXPECT_THROW(memory_usage_from_json(j), Error);
}

}  // namespace
}  // namespace utvm::project_api
