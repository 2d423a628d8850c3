#include "common/mlperf.h"

#include <array>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "common/server_options.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace api = utvm::project_api;
using json = nlohmann::json;

namespace {

// Sample sizes and classes: the runner's datasets (docs/mlperf-tiny.md, "Model inputs").
const std::array<MlperfBenchmark, 4> kBenchmarks = {{
    {"kws01", 490, 12, 115200},
    {"ic01", 3072, 10, 115200},
    {"vww01", 27648, 2, 115200},
    {"ad01", 2560, 0, 921600},
}};

[[noreturn]] void option_error(const std::string& message) {
  throw api::ServerError(message, nullptr, {}, ExitCode::kOption);
}

// A real number given as a JSON number or as text.
std::optional<double> real_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end && *end == '\0' && std::isfinite(v)) return v;
  }
  option_error(fmt::format("option {}: want a number, got {}", name, it->dump()));
}

std::optional<std::int64_t> int_option(const json& options, const char* name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && s.size() < 12) return v;
  }
  option_error(fmt::format("option {}: want an integer, got {}", name, it->dump()));
}

std::uint64_t dtype_bytes(const std::string& dtype) {
  if (dtype == "int8" || dtype == "uint8") return 1;
  if (dtype == "float32") return 4;
  return 0;
}

bool quantized(const std::string& dtype) {
  return dtype == "int8" || dtype == "uint8";
}

}  // namespace

std::span<const MlperfBenchmark> mlperf_benchmarks() {
  return kBenchmarks;
}

std::optional<MlperfBenchmark> find_mlperf_benchmark(const std::string& id) {
  for (const auto& b : kBenchmarks)
    if (b.id == id) return b;
  return std::nullopt;
}

api::ProjectOption mlperf_project_type_option() {
  auto option = make_option(
      "project_type", "str", "host_driven", {}, {"generate_project"},
      "host_driven: firmware utvm run/validate drive over utvm's link; mlperf_tiny: MLPerf Tiny "
      "benchmark firmware for the MLCommons runner and utvm bench (docs/mlperf-tiny.md).");
  option.choices = std::vector<std::string>{"host_driven", "mlperf_tiny"};
  return option;
}

std::vector<api::ProjectOption> mlperf_options(bool with_baud) {
  std::vector<std::string> ids;
  for (const auto& b : kBenchmarks)
    ids.push_back(b.id);
  auto benchmark = make_option(
      "mlperf_benchmark", "str", nullptr, {}, {"generate_project"},
      "project_type=mlperf_tiny: which benchmark the model is (kws01, ic01, vww01, ad01); sets "
      "the sample conversion, the results and the default baud rate.");
  benchmark.choices = ids;
  std::vector<api::ProjectOption> options = {
      benchmark,
      make_option("mlperf_output_scale", "str", nullptr, {}, {"generate_project"},
                  "project_type=mlperf_tiny: dequantisation scale of an int8/uint8 output "
                  "(default 1/256, TFLite's softmax)."),
      make_option("mlperf_output_zero_point", "str", nullptr, {}, {"generate_project"},
                  "project_type=mlperf_tiny: zero point of an int8/uint8 output (default -128 "
                  "for int8, 0 for uint8)."),
      make_option("mlperf_input_scale", "str", nullptr, {}, {"generate_project"},
                  "project_type=mlperf_tiny, ad01 with an int8/uint8 input: its quantisation "
                  "scale (required then)."),
      make_option("mlperf_input_zero_point", "str", nullptr, {}, {"generate_project"},
                  "project_type=mlperf_tiny, ad01 with an int8/uint8 input: its zero point "
                  "(default 0)."),
  };
  if (with_baud)
    options.insert(options.begin() + 1,
                   make_option("baud", "int", nullptr, {}, {"generate_project"},
                               "project_type=mlperf_tiny: UART baud rate (default: the runner's "
                               "for the benchmark, 115200; ad01 921600)."));
  return options;
}

bool is_mlperf_project(const json& options) {
  const auto type = str_option(options, "project_type");
  if (!type || *type == "host_driven") return false;
  if (*type == "mlperf_tiny") return true;
  option_error(
      fmt::format("option project_type: '{}' is not one of host_driven, mlperf_tiny", *type));
}

MlperfFirmware mlperf_firmware(const json& options, std::span<const mlf::Module> modules) {
  const auto id = str_option(options, "mlperf_benchmark");
  if (!id)
    option_error(
        "project_type=mlperf_tiny needs option mlperf_benchmark (kws01, ic01, vww01 or ad01)");
  const auto found = find_mlperf_benchmark(*id);
  if (!found)
    option_error(
        fmt::format("option mlperf_benchmark: '{}' is not one of kws01, ic01, vww01, ad01", *id));
  MlperfFirmware fw;
  fw.benchmark = *found;
  const MlperfBenchmark& b = fw.benchmark;
  if (modules.size() != 1)
    option_error(
        fmt::format("project_type=mlperf_tiny: the model has {} modules; MLPerf Tiny "
                    "firmware runs one (export one module)",
                    modules.size()));
  const mlf::Module& m = modules[0];
  if (m.inputs.size() != 1 || m.outputs.size() != 1)
    option_error(fmt::format(
        "project_type=mlperf_tiny: model '{}' has {} inputs and {} outputs; {} needs one of each",
        m.name, m.inputs.size(), m.outputs.size(), b.id));
  const mlf::TensorInfo& in = m.inputs[0];
  const mlf::TensorInfo& out = m.outputs[0];
  const std::uint64_t in_elem = dtype_bytes(in.dtype), out_elem = dtype_bytes(out.dtype);
  const bool ad = b.id == "ad01";

  // The input against the benchmark's sample files.
  auto input_mismatch = [&](const std::string& want) {
    option_error(fmt::format(
        "option mlperf_benchmark={}: the model's input '{}' is {} of {} bytes, but {} samples "
        "need {} (choose the benchmark this model was trained for)",
        b.id, in.name, in.dtype, in.bytes, b.id, want));
  };
  if (!ad) {
    const std::string want =
        b.id == "kws01" ? "int8 of 490 bytes (49 x 10 MFCC features)"
                        : fmt::format("int8 or uint8 of {} bytes (RGB image)", b.sample_bytes);
    if (!quantized(in.dtype) || in.bytes != b.sample_bytes ||
        (b.id == "kws01" && in.dtype != "int8"))
      input_mismatch(want);
    fw.sample_bytes = in.bytes;
  } else {
    const std::uint64_t elems = in_elem ? in.bytes / in_elem : 0;
    if (in_elem == 0 || elems != 640)
      input_mismatch("640 values (5 x 128 log-mel), float32 or int8/uint8");
    fw.sample_bytes = elems * 4;
  }

  // The output: one score per class, or ad01's reconstruction of the 640 inputs.
  const std::uint64_t out_elems = out_elem ? out.bytes / out_elem : 0;
  if (out_elem == 0)
    option_error(
        fmt::format("option mlperf_benchmark={}: the model's output '{}' is {}; MLPerf "
                    "Tiny firmware reads int8, uint8 or float32 outputs",
                    b.id, out.name, out.dtype));
  if (!ad && out_elems != b.classes)
    option_error(
        fmt::format("option mlperf_benchmark={}: the model's output '{}' has {} values, "
                    "but {} scores {} classes",
                    b.id, out.name, out_elems, b.id, b.classes));
  if (ad && out_elems != 640)
    option_error(
        fmt::format("option mlperf_benchmark=ad01: the model's output '{}' has {} "
                    "values, but the autoencoder must reconstruct its 640 inputs",
                    out.name, out_elems));

  // Dequantisation and quantisation parameters.
  const double out_scale = real_option(options, "mlperf_output_scale").value_or(1.0 / 256);
  const std::int64_t out_zp =
      int_option(options, "mlperf_output_zero_point").value_or(out.dtype == "int8" ? -128 : 0);
  if (!(out_scale > 0)) option_error("option mlperf_output_scale: must be positive");
  double in_scale = 1.0;
  std::int64_t in_zp = 0;
  if (ad && quantized(in.dtype)) {
    const auto s = real_option(options, "mlperf_input_scale");
    if (!s)
      option_error(
          fmt::format("option mlperf_input_scale is required: ad01 samples are float32 "
                      "and the model's input '{}' is {} (give its quantisation scale, "
                      "and mlperf_input_zero_point)",
                      in.name, in.dtype));
    in_scale = *s;
    in_zp = int_option(options, "mlperf_input_zero_point").value_or(0);
    if (!(in_scale > 0)) option_error("option mlperf_input_scale: must be positive");
  }
  // 3 decimals as the reference prints, unless they would merge neighbouring output levels.
  const unsigned decimals = quantized(out.dtype) && out_scale >= 0.002 && !ad ? 3 : 6;

  const auto baud = uint_option(options, "baud");
  fw.baud_given = baud.has_value();
  fw.baud = static_cast<unsigned>(baud.value_or(b.default_baud));
  if (fw.baud < 300 || fw.baud > 4000000)
    option_error(fmt::format("option baud: {} is not a UART rate (300..4000000)", fw.baud));

  std::size_t index = 0;
  while (kBenchmarks[index].id != b.id)
    ++index;
  fw.config_c = fmt::format(
      "/* Written by utvm create-project (project_type=mlperf_tiny): the MLPerf Tiny DUT's\n"
      " * settings for model '{}' as benchmark {}, and the buffer `db` loads samples into. */\n"
      "#include <stddef.h>\n#include <stdint.h>\n\n#include \"utvm/mlperf_dut.h\"\n\n"
      "const utvm_mlperf_config_t utvm_mlperf_config = {{\n"
      "    /* benchmark */ (utvm_mlperf_benchmark_t){},\n"
      "    /* output_scale */ (float)({:.9g}),\n    /* output_zero_point */ {},\n"
      "    /* input_scale */ (float)({:.9g}),\n    /* input_zero_point */ {},\n"
      "    /* result_decimals */ {},\n}};\n\n"
      "uint8_t utvm_mlperf_sample[{}] __attribute__((aligned(16)));\n"
      "const size_t utvm_mlperf_sample_bytes = {};\n",
      m.name, b.id, index, out_scale, out_zp, in_scale, in_zp, decimals, fw.sample_bytes,
      fw.sample_bytes);
  fw.project_json = {{"benchmark", b.id},
                     {"baud", fw.baud},
                     {"sample_bytes", fw.sample_bytes},
                     {"input", {{"name", in.name}, {"dtype", in.dtype}, {"bytes", in.bytes}}},
                     {"output", {{"name", out.name}, {"dtype", out.dtype}, {"bytes", out.bytes}}},
                     {"output_scale", out_scale},
                     {"output_zero_point", out_zp}};
  if (ad && quantized(in.dtype)) {
    fw.project_json["input_scale"] = in_scale;
    fw.project_json["input_zero_point"] = in_zp;
  }
  return fw;
}

}  // namespace utvm::platforms
