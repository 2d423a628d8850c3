// The breakdown every platform's memory report gets from the model's metadata, and the firmware
// footprint checks (size output, linker overflow, metadata fit).
#include "common/memory_report.h"
#include "utvm/common/error.h"

#include <gtest/gtest.h>

namespace utvm::platforms {
namespace {

using json = nlohmann::json;

Board board(std::string name, std::uint64_t ram, std::uint64_t flash) {
  Board b;
  b.name = std::move(name);
  b.ram.size = ram;
  b.flash.size = flash;
  return b;
}

TEST(FirmwareMemoryUsage, PartsFromTheMetadataAndTheRest) {
  ModelMemory m{/*weights=*/1000, /*workspace=*/2048, /*io=*/64, /*weights_in_ram=*/false};
  auto u = firmware_memory_usage("b", {20000, 65536}, {9000, 262144}, 4096, m);
  EXPECT_EQ(project_api::format_memory_usage(u),
            "RAM:   [===       ]  30.5% (used 20000 bytes from 65536 bytes)\n"
            "Flash: [          ]   3.4% (used 9000 bytes from 262144 bytes)\n"
            "  model weights                     1000 bytes  flash\n"
            "  runtime, link and the rest        8000 bytes  flash\n"
            "  workspace arena                   2048 bytes  RAM\n"
            "  I/O tensors                         64 bytes  RAM\n"
            "  stack                             4096 bytes  RAM\n"
            "  runtime, link and the rest       13792 bytes  RAM\n");
}

TEST(FirmwareMemoryUsage, AvrWeightsInRamAndNoNegativeRest) {
  ModelMemory m{500, 100, 10, true};
  auto u = firmware_memory_usage("mega", {600, 8192}, {3000, 253952}, 512, m);
  std::uint64_t ram = 0;
  bool weights_in_ram = false, rest = false;
  for (const auto& p : u.breakdown) {
    if (p.region == "ram") ram += p.bytes;
    weights_in_ram |= p.name == "model weights (copied to RAM)";
    rest |= p.region == "ram" && p.name == "runtime, link and the rest";
  }
  EXPECT_TRUE(weights_in_ram);
  EXPECT_FALSE(rest);  // the metadata's parts exceed what was used: no "rest" line
  EXPECT_EQ(ram, 500u + 100 + 10 + 512);
}

TEST(FirmwareMemoryUsage, ModelMemoryFromProjectJson) {
  json project = {{"footprint", {{"ram", 9}, {"flash", 7}, {"workspace", 3}, {"io", 2}}}};
  ModelMemory m = model_memory(ProjectRecord::from_json(project, "project.json").footprint);
  EXPECT_EQ(m.weights, 7u);  // no "constants": the flash figure is the weights
  EXPECT_EQ(m.workspace, 3u);
  EXPECT_EQ(m.io, 2u);
  EXPECT_FALSE(m.weights_in_ram);
  EXPECT_EQ(model_memory(ProjectRecord::from_json(json::object(), "p.json").footprint).weights, 0u);
}

TEST(ProjectRecord, RoundTripsAndKeepsThePlatformsOwnKeys) {
  ProjectRecord r;
  r.platform = "zephyr";
  r.board = "qemu_x86";
  r.model = "sine";
  r.footprint = {100, 20, 30, 40, 20, false, 0};
  r.platform_fields = {{"zephyr_board", "qemu_x86"}, {"west_cmd", "west"}};
  const json j = r.to_json();
  EXPECT_EQ(j["zephyr_board"], "qemu_x86");
  EXPECT_EQ(j["footprint"]["workspace"], 30);
  EXPECT_FALSE(j.contains("mlperf"));
  const ProjectRecord back = ProjectRecord::from_json(j, "project.json");
  EXPECT_EQ(back.board, "qemu_x86");
  EXPECT_EQ(back.footprint.io, 40u);
  EXPECT_EQ(back.platform_fields, r.platform_fields);
  try {
    ProjectRecord::from_json({{"board", 3}}, "p/project.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "p/project.json: 'board' must be a string");
  }
}

TEST(MemoryReport, ParsesSizeOutputIntoFlashAndRam) {
  const Board b = board("mps2_an385", 4u << 20, 4u << 20);
  const std::string out =
      "firmware.elf  :\n"
      "section            size        addr\n"
      ".isr_vector          64           0\n"
      ".text              5248          64\n"
      ".ARM.exidx            8        5312\n"
      ".data                48   536870912\n"
      ".bss                576   536870960\n"
      ".stack            16384   536871536\n"
      ".debug_info       14731           0\n"
      "Total             69217\n";
  MemoryReport r = parse_size_output(out, b);
  EXPECT_EQ(r.text, 64u + 5248u + 8u);
  EXPECT_EQ(r.data, 48u);
  EXPECT_EQ(r.bss, 576u);
  EXPECT_EQ(r.stack, 16384u);
  EXPECT_EQ(r.flash_used(), 5368u);
  EXPECT_EQ(r.ram_used(), 48u + 576u + 16384u);
  EXPECT_EQ(r.ram_size, 4u << 20);
}

TEST(MemoryReport, LinkerOverflowIsFound) {
  auto o = parse_linker_overflow(
      "/usr/lib/gcc/arm-none-eabi/12.2.1/../../../arm-none-eabi/bin/ld: firmware.elf section "
      "`.stack' will not fit in region `RAM'\n"
      "/usr/lib/.../ld: region `RAM' overflowed by 4210688 bytes\n"
      "collect2: error: ld returned 1 exit status\n");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->region, "RAM");
  EXPECT_EQ(o->bytes, 4210688u);
  EXPECT_FALSE(parse_linker_overflow("undefined reference to `foo'").has_value());
}

TEST(MemoryReport, TooBigModelFailsWithNeedsAndHas) {
  const Board b = board("mps2_an521", 2u << 20, 4u << 20);
  try {
    check_model_fits({3u << 20, 1000}, b, "big");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBuildFailed);
    EXPECT_EQ(std::string(e.what()),
              "model 'big' needs 3072 KiB of RAM, board mps2_an521 has 2048 KiB");
  }
  try {
    check_model_fits({1000, (4u << 20) + 1}, b, "wide");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "model 'wide' needs 4097 KiB of flash, board mps2_an521 has 4096 KiB");
  }
  EXPECT_NO_THROW(check_model_fits({1000, 1000}, b, "small"));
}

}  // namespace
}  // namespace utvm::platforms
