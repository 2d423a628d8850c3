// The memory report of a build: how much of the board's RAM and flash the firmware takes and, where
// the platform knows it, what takes it (model weights, workspace arena, I/O tensors, stack, the
// runtime and the rest). A built-in platform's `build` writes it to
// PROJECT_DIR/build/memory_report.json (schema in docs/json.md, "memory report"); the CLI reads it
// after every build and prints it PlatformIO-style, and `build --json` carries it as data.
// It is not part of TVM's Project API (whose build returns nothing): a server that writes no file
// simply gets no report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace utvm::project_api {

inline constexpr int kMemoryUsageSchemaVersion = 1;

struct MemoryRegionUse {
  std::uint64_t used = 0;
  std::uint64_t size = 0;  // 0: the board's size is unknown
  // used / size in percent (0 when size is 0).
  double percent() const;
};

// One line of the breakdown: `bytes` of `region` ("ram" or "flash") taken by `name`.
struct MemoryPart {
  std::string name;
  std::string region;
  std::uint64_t bytes = 0;
};

struct MemoryUsage {
  std::string board;
  MemoryRegionUse ram, flash;
  std::vector<MemoryPart> breakdown;  // empty when the platform cannot tell
};

// {"schema_version": 1, "board", "ram": {"used", "size"}, "flash": {...}, "breakdown": [...]}.
nlohmann::json to_json(const MemoryUsage& usage);
// Strict reader of the above: a missing or mistyped field, or another schema_version, throws
// utvm::Error(kBadInput) "memory report: <field>: ...".
MemoryUsage memory_usage_from_json(const nlohmann::json& j);
// PROJECT_DIR/build/memory_report.json; nullopt when there is none or it cannot be read.
std::optional<MemoryUsage> read_memory_usage(const std::filesystem::path& file);

// PlatformIO's lines, then the breakdown:
//   RAM:   [===       ]  31.2% (used 20412 bytes from 65536 bytes)
//   Flash: [=         ]   6.0% (used 15744 bytes from 262144 bytes)
//     workspace arena          2048 bytes  RAM
// A region of unknown size prints "(used N bytes)" without a bar.
std::string format_memory_usage(const MemoryUsage& usage);

}  // namespace utvm::project_api
