// Board data: the real boards.json and broken ones.
#include <fstream>

#include <gtest/gtest.h>

#include "board.h"
#include "utvm/common/error.h"

namespace utvm::platforms::baremetal {
namespace {

namespace fs = std::filesystem;
const fs::path kBoardsFile = fs::path(UTVM_SOURCE_DIR) / "platforms/baremetal/boards.json";

fs::path write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::path(::testing::TempDir()) / name;
  std::ofstream(p) << text;
  return p;
}

TEST(Boards, TheFourMps2BoardsAreListedWithTheirMemoryMaps) {
  auto boards = kBoards.load(kBoardsFile);
  for (const char* name : {"mps2_an385", "mps2_an386", "mps2_an500", "mps2_an521"}) {
    ASSERT_TRUE(boards.count(name)) << name;
  }
  const Board& m3 = boards.at("mps2_an385");
  EXPECT_EQ(m3.cpu, "cortex-m3");
  EXPECT_EQ(m3.flash.origin, 0u);
  EXPECT_EQ(m3.flash.size, 4u << 20);
  EXPECT_EQ(m3.ram.origin, 0x20000000u);
  EXPECT_EQ(m3.uart_kind, "cmsdk");
  EXPECT_EQ(m3.uart_base, 0x40004000u);
  ASSERT_TRUE(m3.emulator);
  EXPECT_EQ(m3.emulator->machine, "mps2-an385");
  EXPECT_EQ(m3.cpu_clock_hz, 25000000u);
  const Board& m33 = boards.at("mps2_an521");
  EXPECT_EQ(m33.flash.origin, 0x10000000u);
  EXPECT_EQ(m33.uart_base, 0x50200000u);
  // The M55 (Helium) board: Secure aliases of the SSE-300's ITCM and ISRAM and of UART0.
  const Board& m55 = boards.at("mps3_an547");
  EXPECT_EQ(m55.cpu, "cortex-m55");
  EXPECT_EQ(m55.flash.origin, 0x10000000u);
  EXPECT_EQ(m55.flash.size, 512u << 10);
  EXPECT_EQ(m55.ram.origin, 0x31000000u);
  EXPECT_EQ(m55.uart_base, 0x59303000u);
  ASSERT_TRUE(m55.emulator);
  EXPECT_EQ(m55.emulator->machine, "mps3-an547");
}

// Every UART kind and timer a board names has its driver in the port: data needs no code change.
TEST(Boards, EveryBoardHasItsDriversInThePort) {
  const fs::path port = fs::path(UTVM_SOURCE_DIR) / "device/ports/cortexm";
  for (const auto& [name, b] : kBoards.load(kBoardsFile)) {
    EXPECT_TRUE(fs::exists(port / ("uart_" + b.uart_kind + ".c"))) << name;
    EXPECT_TRUE(fs::exists(port / ("timer_" + b.timer + ".c"))) << name;
    EXPECT_FALSE(b.cflags.empty()) << name;
    EXPECT_GT(b.ram.size, 0u) << name;
  }
}

TEST(Boards, UnknownBoardListsTheKnownOnes) {
  try {
    kBoards.find(kBoardsFile, "mps2_an999");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
    EXPECT_NE(std::string(e.what()).find("mps2_an999"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mps2_an385"), std::string::npos);
  }
}

TEST(Boards, BrokenEntriesNameTheFileBoardAndField) {
  auto p = write_temp("broken_boards.json", R"({"boards": {"b1": {"cpu": "cortex-m3",
      "flash": {"origin": "0x0", "size": "lots"}, "ram": {"origin": 0, "size": 1024},
      "cpu_clock_hz": 1, "baremetal": {"cflags": ["-mthumb"],
      "uart": {"kind": "cmsdk", "base": "0x40004000"}, "timer": "systick"}}}})");
  try {
    kBoards.load(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    std::string what = e.what();
    EXPECT_NE(what.find("broken_boards.json"), std::string::npos) << what;
    EXPECT_NE(what.find("b1"), std::string::npos) << what;
    EXPECT_NE(what.find("size"), std::string::npos) << what;
  }
  // A board without its platform's own fields.
  auto bare = write_temp("bare_boards.json", R"({"boards": {"b2": {"cpu": "cortex-m3",
      "flash": {"size": 1024}, "ram": {"size": 1024}, "cpu_clock_hz": 1}}})");
  try {
    kBoards.load(bare);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), bare.string() + ": board 'b2': 'cflags' must be present");
  }
  fs::remove(bare);
  const fs::path not_json = write_temp("not_json.json", "{");
  EXPECT_THROW(kBoards.load(not_json), Error);
  EXPECT_THROW(kBoards.load("/nonexistent/boards.json"), Error);
  fs::remove(p);
  fs::remove(not_json);
}

}  // namespace
}  // namespace utvm::platforms::baremetal
