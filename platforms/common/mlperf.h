// project_type=mlperf_tiny for the built-in platforms (docs/mlperf-tiny.md): the options that
// select and tune the MLPerf Tiny DUT firmware, the check that the model fits the chosen
// benchmark, and the generated C (settings and sample buffer) the device's mlperf_dut.c runs on.
// One copy for every platform; a platform adds its own main and port.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/mlf/model.h"
#include "utvm/project_api/messages.h"

namespace utvm::platforms {

// One MLPerf Tiny benchmark as the runner defines it (its sample files and results).
struct MlperfBenchmark {
  std::string id;              // kws01, ic01, vww01, ad01: the model id `profile` reports
  std::uint64_t sample_bytes;  // bytes of one sample (ad01: one 2560-byte window)
  unsigned classes;            // scores per result (0 for ad01: one reconstruction error)
  unsigned default_baud;       // the devices.yaml rate for performance and accuracy mode
};

// The benchmarks, in the device's utvm_mlperf_benchmark_t order.
std::span<const MlperfBenchmark> mlperf_benchmarks();
// The one with this id, or nullopt.
std::optional<MlperfBenchmark> find_mlperf_benchmark(const std::string& id);

// project_type (host_driven or mlperf_tiny) and the mlperf_* options of generate_project, with
// `baud` unless the platform has its own (Zephyr's serves open_transport too).
project_api::ProjectOption mlperf_project_type_option();
std::vector<project_api::ProjectOption> mlperf_options(bool with_baud = true);

// What generate_project writes for an mlperf_tiny project.
struct MlperfFirmware {
  MlperfBenchmark benchmark;
  unsigned baud = 115200;          // the `baud` option, else the benchmark's rate
  bool baud_given = false;         // `baud` was set (Zephyr keeps the devicetree rate otherwise)
  std::uint64_t sample_bytes = 0;  // the static db buffer
  std::string config_c;            // src/utvm_mlperf_config.c
  nlohmann::json project_json;     // project.json's "mlperf" object
};

// True for project_type=mlperf_tiny, false for host_driven or none; any other value is a
// ServerError (exit 3) listing the choices.
bool is_mlperf_project(const nlohmann::json& options);

// Checks the options and the model against the benchmark: one module with one input and one
// output; the input's dtype and size match the benchmark's samples (kws01 490 int8, ic01 3072 and
// vww01 27648 int8/uint8, ad01 640 float32 or int8/uint8 with mlperf_input_scale); a classifier's
// output has one score per class. A mismatch is a ServerError with exit code 3 naming the option,
// the model's tensor and what the benchmark needs.
MlperfFirmware mlperf_firmware(const nlohmann::json& options, std::span<const mlf::Module> modules);

}  // namespace utvm::platforms
