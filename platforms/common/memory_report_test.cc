// The breakdown every platform's memory report gets from the model's metadata.
#include "common/memory_report.h"
#include "utvm/common/error.h"

#include <gtest/gtest.h>

namespace utvm::platforms {
namespace {

using json = nlohmann::json;

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

}  // namespace
}  // namespace utvm::platforms
