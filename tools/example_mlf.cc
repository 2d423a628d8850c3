// Generates the example MLF. Every text below mirrors a real TVM 0.13-0.15 export
// (fixtures/mlf/letscope_int8_v7.tar, match_cpuonly_v7.tar): same file names, the same header
// and descriptor layout, constants in .rodata.tvm, a non-USMP __tvm_main__ that takes its
// intermediate buffer from TVMBackendAllocWorkspace, metadata.json with indent 2 and sorted keys.
#include "example_mlf.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <system_error>

#include "utvm/common/error.h"

namespace utvm::tools {
namespace {

constexpr const char* kTarget = "c -keys=cpu";
constexpr const char* kTvmVersion = "0.13.0";
// Fixed timestamps keep the archive reproducible: 2024-01-01 00:00:00 UTC.
constexpr const char* kExportDatetime = "2024-01-01 00:00:00Z";
constexpr std::int64_t kMtime = 1704067200;

// Deterministic weights in [-1, 1): a 32-bit LCG, 8 bits of it scaled to multiples of 1/128
// (exactly representable, so the hex literals are short and the C and C++ agree bit for bit).
MlpWeights make_weights() {
  std::uint32_t state = 0x75766d31;  // "uvm1"
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(static_cast<int>((state >> 24) & 0xFF) - 128) / 128.0f;
  };
  MlpWeights w{};
  for (auto& v : w.w1)
    v = next();
  for (auto& v : w.b1)
    v = next() * 0.25f;
  for (auto& v : w.w2)
    v = next();
  for (auto& v : w.b2)
    v = next() * 0.25f;
  return w;
}

// A C hex-float literal as TVM's constant printer writes it ("+0x1.8p-1f", "+0x0p+0f").
std::string hex_float(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+a", static_cast<double>(v));
  return std::string(buf) + "f";
}

std::string constant_array(const char* name, const float* values, std::size_t n) {
  std::string s =
      "#ifdef __cplusplus\n"
      "extern \"C\" {\n"
      "#endif\n"
      "static const float __attribute__((section(\".rodata.tvm\"), aligned(16))) ";
  s += name;
  s += '[';  // (separate appends dodge a GCC 12 -Wrestrict false positive)
  s += std::to_string(n);
  s += "] = {\n    ";
  for (std::size_t i = 0; i < n; ++i) {
    s += hex_float(values[i]);
    if (i + 1 == n) {
      s += "\n";
    } else if (i % 8 == 7) {
      s += ", \n    ";
    } else {
      s += ", ";
    }
  }
  s += "};\n"
       "#ifdef __cplusplus\n"
       "}  // extern \"C\"\n"
       "#endif\n";
  return s;
}

std::string prototype_prefix() {
  return "#ifdef __cplusplus\n"
         "extern \"C\"\n"
         "#endif\n";
}

std::string lib1_source() {
  const MlpWeights& w = example_mlp_weights();
  const std::string n_in = std::to_string(kMlpInputs), n_hid = std::to_string(kMlpHidden),
                    n_out = std::to_string(kMlpOutputs);
  std::string s = std::string("// tvm target: ") + kTarget +
                  "\n"
                  "#define TVM_EXPORTS\n"
                  "#include \"tvm/runtime/c_runtime_api.h\"\n"
                  "#include \"tvm/runtime/c_backend_api.h\"\n"
                  "#include <math.h>\n"
                  "#include <stdbool.h>\n\n";
  s += constant_array("fused_constant", w.w1.data(), w.w1.size());
  s += "\n";
  s += constant_array("fused_nn_dense_constant", w.b1.data(), w.b1.size());
  s += "\n";
  s += constant_array("fused_constant_1", w.w2.data(), w.w2.size());
  s += "\n";
  s += constant_array("fused_nn_dense_constant_1", w.b2.data(), w.b2.size());
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default_fused_nn_dense_add_nn_relu(float* p0, float* T_relu);\n";
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default_fused_nn_dense_add(float* p0, float* T_add);\n";
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default___tvm_main__(float* input_buffer_var, float* "
       "output_buffer_var);\n";
  // dense + bias + relu, 4 -> 8.
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default_fused_nn_dense_add_nn_relu(float* p0, float* T_relu) {\n"
       "  float T_matmul_NT[" +
       n_hid +
       "];\n"
       "  for (int32_t j = 0; j < " +
       n_hid +
       "; ++j) {\n"
       "    T_matmul_NT[j] = 0.000000e+00f;\n"
       "    for (int32_t k = 0; k < " +
       n_in +
       "; ++k) {\n"
       "      T_matmul_NT[j] = (T_matmul_NT[j] + (p0[k] * ((float*)fused_constant)[((j * " +
       n_in +
       ") + k)]));\n"
       "    }\n"
       "  }\n"
       "  for (int32_t ax1 = 0; ax1 < " +
       n_hid +
       "; ++ax1) {\n"
       "    float v_ = T_matmul_NT[ax1] + ((float*)fused_nn_dense_constant)[ax1];\n"
       "    T_relu[ax1] = ((v_) > (0.000000e+00f) ? (v_) : (0.000000e+00f));\n"
       "  }\n"
       "  return 0;\n"
       "}\n\n";
  // dense + bias, 8 -> 3.
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default_fused_nn_dense_add(float* p0, float* T_add) {\n"
       "  float T_matmul_NT[" +
       n_out +
       "];\n"
       "  for (int32_t j = 0; j < " +
       n_out +
       "; ++j) {\n"
       "    T_matmul_NT[j] = 0.000000e+00f;\n"
       "    for (int32_t k = 0; k < " +
       n_hid +
       "; ++k) {\n"
       "      T_matmul_NT[j] = (T_matmul_NT[j] + (p0[k] * ((float*)fused_constant_1)[((j * " +
       n_hid +
       ") + k)]));\n"
       "    }\n"
       "  }\n"
       "  for (int32_t ax1 = 0; ax1 < " +
       n_out +
       "; ++ax1) {\n"
       "    T_add[ax1] = (T_matmul_NT[ax1] + ((float*)fused_nn_dense_constant_1)[ax1]);\n"
       "  }\n"
       "  return 0;\n"
       "}\n\n";
  // The inner main: one intermediate (8 floats) from the workspace allocator, freed LIFO.
  s += prototype_prefix() +
       "TVM_DLL int32_t tvmgen_default___tvm_main__(float* input_buffer_var, float* "
       "output_buffer_var) {\n"
       "  void* sid_1 = TVMBackendAllocWorkspace(1, 0, (uint64_t)" +
       std::to_string(kMlpHidden * 4) +
       ", 0, 8);\n"
       "  if (sid_1 == NULL) {\n"
       "    return -1;\n"
       "  }\n"
       "  if (tvmgen_default_fused_nn_dense_add_nn_relu(input_buffer_var, sid_1) != 0 ) return "
       "-1;\n"
       "  if (tvmgen_default_fused_nn_dense_add(sid_1, output_buffer_var) != 0 ) return -1;\n"
       "  if (TVMBackendFreeWorkspace(1, 0, sid_1) != 0) {\n"
       "    return -1;\n"
       "  }\n"
       "  return 0;\n"
       "}\n\n";
  return s;
}

std::string lib0_source() {
  return "#include \"tvm/runtime/c_runtime_api.h\"\n"
         "#ifdef __cplusplus\n"
         "extern \"C\" {\n"
         "#endif\n"
         "#include <tvmgen_default.h>\n"
         "TVM_DLL int32_t tvmgen_default___tvm_main__(void* input,void* output0);\n"
         "int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs,struct "
         "tvmgen_default_outputs* outputs) {return "
         "tvmgen_default___tvm_main__(inputs->input,outputs->output);\n"
         "}\n"
         "#ifdef __cplusplus\n"
         "}\n"
         "#endif\n"
         ";";
}

std::string header_source() {
  return "#ifndef TVMGEN_DEFAULT_H_\n"
         "#define TVMGEN_DEFAULT_H_\n"
         "#include <stdint.h>\n"
         "\n"
         "#ifdef __cplusplus\n"
         "extern \"C\" {\n"
         "#endif\n"
         "\n"
         "/*!\n"
         " * \\brief Input tensor input size (in bytes) for TVM module \"default\" \n"
         " */\n"
         "#define TVMGEN_DEFAULT_INPUT_SIZE " +
         std::to_string(kMlpInputs * 4) +
         "\n"
         "/*!\n"
         " * \\brief Output tensor output size (in bytes) for TVM module \"default\" \n"
         " */\n"
         "#define TVMGEN_DEFAULT_OUTPUT_SIZE " +
         std::to_string(kMlpOutputs * 4) +
         "\n"
         "/*!\n"
         " * \\brief Input tensor pointers for TVM module \"default\" \n"
         " */\n"
         "struct tvmgen_default_inputs {\n"
         "  void* input;\n"
         "};\n"
         "\n"
         "/*!\n"
         " * \\brief Output tensor pointers for TVM module \"default\" \n"
         " */\n"
         "struct tvmgen_default_outputs {\n"
         "  void* output;\n"
         "};\n"
         "\n"
         "/*!\n"
         " * \\brief entrypoint function for TVM module \"default\"\n"
         " * \\param inputs Input tensors for the module \n"
         " * \\param outputs Output tensors for the module \n"
         " */\n"
         "int32_t tvmgen_default_run(\n"
         "  struct tvmgen_default_inputs* inputs,\n"
         "  struct tvmgen_default_outputs* outputs\n"
         ");\n"
         "/*!\n"
         " * \\brief Workspace size for TVM module \"default\" \n"
         " */\n"
         "#define TVMGEN_DEFAULT_WORKSPACE_SIZE " +
         std::to_string(kMlpHidden * 4) +
         "\n"
         "\n"
         "#ifdef __cplusplus\n"
         "}\n"
         "#endif\n"
         "\n"
         "#endif // TVMGEN_DEFAULT_H_\n";
}

std::string metadata_json() {
  using nlohmann::json;
  auto op = [](const char* name) {
    return json{{"function_name", name},
                {"workspace", json::array({{{"device", 1}, {"workspace_size_bytes", 0}}})}};
  };
  json main_fn = {
      {"constants_size_bytes", 0},
      {"device", 1},
      {"inputs", {{"input", {{"dtype", "float32"}, {"size", kMlpInputs * 4}}}}},
      {"io_size_bytes", (kMlpInputs + kMlpOutputs) * 4},
      {"outputs", {{"output", {{"dtype", "float32"}, {"size", kMlpOutputs * 4}}}}},
      // __tvm_main__'s own intermediate (16-byte aligned) plus the largest operator workspace (0).
      {"workspace_size_bytes", kMlpHidden * 4},
  };
  json module = {
      {"executors", json::array({"aot"})},
      {"export_datetime", kExportDatetime},
      {"external_dependencies", json::array({{{"short_name", "tvm_standalone_crt"},
                                              {"url", "./runtime"},
                                              {"url_type", "mlf_path"},
                                              {"version_spec", kTvmVersion}}})},
      {"memory",
       {{"functions",
         {{"main", json::array({main_fn})},
          {"operator_functions", json::array({op("tvmgen_default_fused_nn_dense_add_nn_relu"),
                                              op("tvmgen_default_fused_nn_dense_add")})}}}}},
      {"model_name", "default"},
      {"style", "full-model"},
      {"target", json::array({kTarget})},
  };
  json doc = {{"modules", {{"default", module}}}, {"version", 7}};
  return doc.dump(2);  // std::map keys: sorted, as json.dump(sort_keys=True, indent=2)
}

std::string relay_source() {
  auto t = [](const std::string& shape) { return "Tensor[(" + shape + "), float32]"; };
  const std::string in = std::to_string(kMlpInputs), hid = std::to_string(kMlpHidden),
                    out = std::to_string(kMlpOutputs);
  return "def @main(%input: " + t("1, " + in) + " /* ty=" + t("1, " + in) + " */) -> " +
         t("1, " + out) +
         " {\n"
         "  %0 = nn.dense(%input, meta[relay.Constant][0] /* ty=" +
         t(hid + ", " + in) + " */, units=" + hid + ") /* ty=" + t("1, " + hid) +
         " */;\n"
         "  %1 = add(%0, meta[relay.Constant][1] /* ty=" +
         t(hid) + " */) /* ty=" + t("1, " + hid) +
         " */;\n"
         "  %2 = nn.relu(%1) /* ty=" +
         t("1, " + hid) +
         " */;\n"
         "  %3 = nn.dense(%2, meta[relay.Constant][2] /* ty=" +
         t(out + ", " + hid) + " */, units=" + out + ") /* ty=" + t("1, " + out) +
         " */;\n"
         "  add(%3, meta[relay.Constant][3] /* ty=" +
         t(out) + " */) /* ty=" + t("1, " + out) +
         " */\n"
         "}\n\n";
}

// tvm.runtime.save_param_dict({}): magic 0xF7E58D4F05049CB7, reserved, 0 names, 0 arrays.
std::string empty_params() {
  std::string s("\xb7\x9c\x04\x05\x4f\x8d\xe5\xf7", 8);
  s.append(24, '\0');
  return s;
}

}  // namespace

const MlpWeights& example_mlp_weights() {
  static const MlpWeights w = make_weights();
  return w;
}

std::array<float, kMlpOutputs> reference_forward(const std::array<float, kMlpInputs>& input) {
  const MlpWeights& w = example_mlp_weights();
  std::array<float, kMlpHidden> hidden{};
  for (int j = 0; j < kMlpHidden; ++j) {
    float acc = 0.0f;
    for (int k = 0; k < kMlpInputs; ++k)
      acc = acc + input[k] * w.w1[j * kMlpInputs + k];
    const float v = acc + w.b1[j];
    hidden[j] = v > 0.0f ? v : 0.0f;
  }
  std::array<float, kMlpOutputs> out{};
  for (int j = 0; j < kMlpOutputs; ++j) {
    float acc = 0.0f;
    for (int k = 0; k < kMlpHidden; ++k)
      acc = acc + hidden[k] * w.w2[j * kMlpHidden + k];
    out[j] = acc + w.b2[j];
  }
  return out;
}

std::vector<MlfMember> example_mlf_members() {
  // Python's tarfile.add walks each directory in sorted order, directory entry first.
  return {
      {"", ""},
      {"codegen/", ""},
      {"codegen/host/", ""},
      {"codegen/host/include/", ""},
      {"codegen/host/include/tvmgen_default.h", header_source()},
      {"codegen/host/src/", ""},
      {"codegen/host/src/default_lib0.c", lib0_source()},
      {"codegen/host/src/default_lib1.c", lib1_source()},
      {"metadata.json", metadata_json()},
      {"parameters/", ""},
      {"parameters/default.params", empty_params()},
      {"src/", ""},
      {"src/default.relay", relay_source()},
  };
}

void write_example_mlf(const std::filesystem::path& out) {
  std::filesystem::path tmp = out;
  tmp += ".tmp" + std::to_string(::getpid());
  auto fail = [&](archive* a, const std::string& step) {
    const std::string msg = out.string() + ": " + step + ": " +
                            (a && archive_error_string(a) ? archive_error_string(a) : "failed");
    if (a) archive_write_free(a);
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw Error(ExitCode::kFailure, msg);
  };
  archive* a = archive_write_new();
  if (!a) fail(nullptr, "archive_write_new");
  // Plain ustar headers plus PAX records where needed, no compression, 10240-byte records:
  // what Python's tarfile (PAX_FORMAT) writes for short names and whole-second times.
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 10240) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 10240) != ARCHIVE_OK) {
    fail(a, "configuring the tar writer");
  }
  if (archive_write_open_filename(a, tmp.c_str()) != ARCHIVE_OK) fail(a, "opening");
  for (const MlfMember& m : example_mlf_members()) {
    const bool dir = m.path.empty() || m.path.back() == '/';
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, ("./" + m.path).c_str());
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, m.path.empty() ? 0700 : dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : static_cast<la_int64_t>(m.content.size()));
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "root");
    archive_entry_set_gname(e, "root");
    archive_entry_set_mtime(e, kMtime, 0);
    const bool ok = archive_write_header(a, e) == ARCHIVE_OK &&
                    (dir || archive_write_data(a, m.content.data(), m.content.size()) ==
                                static_cast<la_ssize_t>(m.content.size()));
    archive_entry_free(e);
    if (!ok) fail(a, "writing ./" + m.path);
  }
  if (archive_write_close(a) != ARCHIVE_OK) fail(a, "closing");
  archive_write_free(a);
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(ExitCode::kFailure, out.string() + ": cannot rename into place");
  }
}

}  // namespace utvm::tools
