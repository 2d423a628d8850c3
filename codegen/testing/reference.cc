#include "reference.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "utvm/codegen/executor.h"
#include "utvm/codegen/host_compat.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"
#include "utvm/mlf/dtype.h"
#include "utvm/mlf/graph.h"
#include "utvm/mlf/params.h"

namespace fs = std::filesystem;

namespace utvm::codegen::testing {

namespace {

constexpr std::chrono::seconds kCompileTimeout{300};
constexpr std::chrono::seconds kRunTimeout{60};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::kFailure, fmt::format("reading {}: cannot open", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(ExitCode::kFailure, fmt::format("writing {}: failed", path.string()));
}

// Runs argv with stdout+stderr to `log`; throws with the log's tail on failure or timeout.
void run_logged(const std::vector<std::string>& argv, const fs::path& log,
                std::chrono::seconds timeout, const std::string& what) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(ExitCode::kFailure, fmt::format("{}: cannot create {}", what, log.string()));
  SpawnOptions opts;
  opts.argv = argv;
  opts.stdout_fd = fd;
  opts.stderr_fd = fd;
  opts.stdin_fd = -1;
  std::optional<int> status;
  try {
    Process p = Process::spawn(opts);
    ::close(fd);
    fd = -1;
    status = p.wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    if (!status) p.terminate();
  } catch (...) {
    if (fd >= 0) ::close(fd);
    throw;
  }
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    std::string text = read_file(log);
    if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
    throw Error(
        ExitCode::kFailure,
        fmt::format("{}: {}\n{}", what,
                    status ? describe_exit_status(*status) : std::string("timed out"), text));
  }
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// C helpers shared by both mains: length-prefixed tensors in and out (8-byte little-endian
// length, then the bytes), so the C++ side can check sizes without trusting either program.
const char* const kMainIo = R"(#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE* harness_in;
static FILE* harness_out;

static uint64_t harness_read_len(void) {
  unsigned char b[8];
  uint64_t v = 0;
  int i;
  if (fread(b, 1, 8, harness_in) != 8) { fprintf(stderr, "short input file\n"); exit(3); }
  for (i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

static void harness_read_tensor(void* data, uint64_t nbytes) {
  uint64_t len = harness_read_len();
  if (len != nbytes) {
    fprintf(stderr, "input has %llu bytes, expected %llu\n", (unsigned long long)len,
            (unsigned long long)nbytes);
    exit(3);
  }
  if (nbytes && fread(data, 1, (size_t)nbytes, harness_in) != nbytes) exit(3);
}

static void harness_write_tensor(const void* data, uint64_t nbytes) {
  unsigned char b[8];
  int i;
  for (i = 0; i < 8; ++i) b[i] = (unsigned char)(nbytes >> (8 * i));
  fwrite(b, 1, 8, harness_out);
  if (nbytes) fwrite(data, 1, (size_t)nbytes, harness_out);
}

static void harness_open(int argc, char** argv) {
  if (argc != 3) { fprintf(stderr, "usage: harness in.bin out.bin\n"); exit(2); }
  harness_in = fopen(argv[1], "rb");
  harness_out = fopen(argv[2], "wb");
  if (!harness_in || !harness_out) { fprintf(stderr, "cannot open files\n"); exit(2); }
}
)";

// The direct program's runtime: malloc workspace and an error sink; nothing from utvm.
const char* const kDirectRuntime = R"(
void* TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes,
                               int dtype_code_hint, int dtype_bits_hint) {
  void* p = NULL;
  (void)device_type; (void)device_id; (void)dtype_code_hint; (void)dtype_bits_hint;
  if (posix_memalign(&p, 16, nbytes ? (size_t)nbytes : 16) != 0) return NULL;
  return p;
}
int TVMBackendFreeWorkspace(int device_type, int device_id, void* ptr) {
  (void)device_type; (void)device_id;
  free(ptr);
  return 0;
}
void TVMAPISetLastError(const char* msg) { fprintf(stderr, "TVMAPISetLastError: %s\n", msg); }
)";

std::vector<int64_t> shape_or_flat(const mlf::TensorInfo& t) {
  if (t.shape) return *t.shape;
  uint64_t elem = mlf::dtype_bytes(t.dtype);
  return {static_cast<int64_t>(elem ? t.bytes / elem : t.bytes)};
}

std::string direct_main(const mlf::Module& m) {
  std::string c = "#define _POSIX_C_SOURCE 200112L\n";
  c += kMainIo;
  c += "#include \"tvm/runtime/c_runtime_api.h\"\n";
  c += kDirectRuntime;
  const auto& kind = m.entry_point.kind;
  const std::string& sym = m.entry_point.symbol;
  const size_t n = m.inputs.size() + m.outputs.size();
  if (kind == mlf::EntryPoint::Kind::kCWrapper) {
    if (!m.files.header) {
      throw Error(ExitCode::kBadInput, "direct harness: C-interface module without a header");
    }
    c += fmt::format("#include \"{}\"\n", fs::path(*m.files.header).filename().string());
  } else if (kind == mlf::EntryPoint::Kind::kPackedWrapper) {
    c += fmt::format("int32_t {}(void*, void*, int, void*, void*, void*);\n", sym);
  } else {
    std::string params;
    for (size_t i = 0; i < n; ++i)
      params += (i ? ", void*" : "void*");
    c += fmt::format("int32_t {}({});\n", sym, n ? params : "void");
  }
  c += "\nint main(int argc, char** argv) {\n  int32_t rc;\n";
  auto all = [&](auto fn) {
    for (size_t i = 0; i < m.inputs.size(); ++i)
      fn(m.inputs[i], fmt::format("in{}", i));
    for (size_t i = 0; i < m.outputs.size(); ++i)
      fn(m.outputs[i], fmt::format("out{}", i));
  };
  all([&](const mlf::TensorInfo&, const std::string& v) {
    c += fmt::format("  void* {} = NULL;\n", v);
  });
  c += "  harness_open(argc, argv);\n";
  all([&](const mlf::TensorInfo& t, const std::string& v) {
    c += fmt::format("  if (posix_memalign(&{}, 16, {}) != 0) return 4;\n", v, t.bytes + 16);
    c += fmt::format("  memset({}, 0, {});\n", v, t.bytes + 16);
  });
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    c += fmt::format("  harness_read_tensor(in{}, {});\n", i, m.inputs[i].bytes);
  }
  if (kind == mlf::EntryPoint::Kind::kCWrapper) {
    std::string prefix = m.symbol_prefix();
    c += fmt::format("  {{\n    struct {}_inputs inputs;\n    struct {}_outputs outputs;\n", prefix,
                     prefix);
    for (size_t i = 0; i < m.inputs.size(); ++i) {
      c += fmt::format("    inputs.{} = in{};\n", m.inputs[i].c_name, i);
    }
    for (size_t i = 0; i < m.outputs.size(); ++i) {
      c += fmt::format("    outputs.{} = out{};\n", m.outputs[i].c_name, i);
    }
    c += fmt::format("    rc = {}(&inputs, &outputs);\n  }}\n", sym);
  } else if (kind == mlf::EntryPoint::Kind::kPackedWrapper) {
    c += fmt::format("  {{\n    DLTensor t[{0}];\n    TVMValue v[{0}];\n    int codes[{0}];\n", n);
    c += "    TVMValue ret;\n    int ret_code = 0;\n";
    size_t k = 0;
    all([&](const mlf::TensorInfo& t, const std::string& v) {
      mlf::DType d = mlf::parse_dtype(t.dtype);
      std::vector<int64_t> shape = shape_or_flat(t);
      std::string dims;
      for (size_t j = 0; j < shape.size(); ++j)
        dims += (j ? ", " : "") + std::to_string(shape[j]);
      c += fmt::format("    static int64_t shape{}[] = {{{}}};\n", k, dims.empty() ? "0" : dims);
      c += fmt::format("    memset(&t[{0}], 0, sizeof(DLTensor));\n    t[{0}].data = {1};\n", k, v);
      c += fmt::format("    t[{0}].device.device_type = kDLCPU;\n    t[{0}].ndim = {1};\n", k,
                       shape.size());
      c += fmt::format(
          "    t[{0}].dtype.code = {1};\n    t[{0}].dtype.bits = {2};\n    t[{0}].dtype.lanes = "
          "{3};\n    t[{0}].shape = shape{0};\n",
          k, d.code, d.bits, d.lanes);
      c += fmt::format("    v[{0}].v_handle = &t[{0}];\n    codes[{0}] = kTVMDLTensorHandle;\n", k);
      ++k;
    });
    c += fmt::format("    rc = {}(v, codes, {}, &ret, &ret_code, NULL);\n  }}\n", sym, n);
  } else {
    std::string args;
    for (size_t i = 0; i < m.inputs.size(); ++i)
      args += fmt::format("{}in{}", i ? ", " : "", i);
    for (size_t i = 0; i < m.outputs.size(); ++i) {
      args += fmt::format("{}out{}", (i || !m.inputs.empty()) ? ", " : "", i);
    }
    c += fmt::format("  rc = {}({});\n", sym, args);
  }
  c += "  if (rc != 0) { fprintf(stderr, \"model returned %d\\n\", (int)rc); return 5; }\n";
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    c += fmt::format("  harness_write_tensor(out{}, {});\n", i, m.outputs[i].bytes);
  }
  c += "  fclose(harness_out);\n  return 0;\n}\n";
  return c;
}

std::string glue_main() {
  std::string c = kMainIo;
  c += R"(#include "utvm/model.h"

int main(int argc, char** argv) {
  uint16_t i;
  int32_t rc;
  harness_open(argc, argv);
  for (i = 0; i < utvm_model.num_inputs; ++i) {
    if (((uintptr_t)utvm_model.inputs[i].data & 15u) != 0) { fprintf(stderr, "unaligned\n"); return 6; }
    harness_read_tensor(utvm_model.inputs[i].data, utvm_model.inputs[i].nbytes);
  }
  rc = utvm_model.run();
  if (rc != 0) { fprintf(stderr, "utvm_model.run returned %d\n", (int)rc); return 5; }
  for (i = 0; i < utvm_model.num_outputs; ++i) {
    if (((uintptr_t)utvm_model.outputs[i].data & 15u) != 0) { fprintf(stderr, "unaligned\n"); return 6; }
    harness_write_tensor(utvm_model.outputs[i].data, utvm_model.outputs[i].nbytes);
  }
  fclose(harness_out);
  return 0;
}
)";
  return c;
}

}  // namespace

HostReference::HostReference(const fs::path& archive, const fs::path& work_dir,
                             const fs::path& source_dir, const std::string& module_name)
    : archive_(mlf::Archive::read(archive)), work_dir_(work_dir), source_dir_(source_dir) {
  mlf::Model model = mlf::load_model(archive_, archive.string());
  const mlf::Module* chosen = nullptr;
  for (const mlf::Module& m : model.modules) {
    if (module_name.empty() || m.name == module_name) {
      chosen = &m;
      break;
    }
  }
  if (!chosen) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: no module \"{}\"", archive.string(), module_name));
  }
  module_ = *chosen;
  fs::create_directories(work_dir_);
  model_dir_ = work_dir_ / "model";
  fs::remove_all(model_dir_);
  mlf::extract(archive_, model_dir_);

  if (module_.executor == mlf::Executor::kGraph) {
    const std::string* text = archive_.find(module_.files.graph_json.value_or(""));
    if (!text) throw Error(ExitCode::kBadInput, "graph module without graph JSON");
    mlf::Graph g = mlf::parse_graph_json(*text, *module_.files.graph_json);
    std::set<std::string> params;
    if (module_.files.params) {
      if (const std::string* blob = archive_.find(*module_.files.params)) {
        for (const mlf::Param& p : mlf::parse_params(*blob, *module_.files.params)) {
          params.insert(p.name);
        }
      }
    }
    auto bytes = [&](uint32_t e) {
      uint64_t n = mlf::dtype_bytes(g.dltype[e]);
      for (int64_t d : g.shape[e])
        n *= static_cast<uint64_t>(d);
      return n;
    };
    for (uint32_t n = 0; n < g.nodes.size(); ++n) {
      if (g.nodes[n].op == "null" && !params.count(g.nodes[n].name)) {
        in_sizes_.push_back(bytes(g.node_row_ptr[n]));
      }
    }
    for (const mlf::GraphEntry& h : g.heads)
      out_sizes_.push_back(bytes(g.entry_id(h[0], h[1])));
  } else {
    for (const mlf::TensorInfo& t : module_.inputs)
      in_sizes_.push_back(t.bytes);
    for (const mlf::TensorInfo& t : module_.outputs)
      out_sizes_.push_back(t.bytes);
  }
}

void HostReference::emulate_arm_acle() {
  fs::path dir = work_dir_ / "arm_acle_emulation";
  fs::create_directories(dir);
  write_file(dir / "arm_acle.h", arm_acle_emulation_header());
  stub_include_ = dir;
  direct_exe_.reset();
  glue_exe_.reset();
}

std::optional<std::string> HostReference::host_incompatibility() const {
#if !defined(__arm__) && !defined(__aarch64__)
  for (const std::string& src : module_.files.sources) {
    const std::string* text = archive_.find(src);
    if (text && text->find("arm_acle.h") != std::string::npos && !stub_include_) {
      return src + " includes <arm_acle.h> (Arm ACLE intrinsics); it only builds for Arm";
    }
  }
#endif
  if (module_.files.sources.empty()) {
    return "the module has no C sources (object files only)";
  }
  return std::nullopt;
}

std::string HostReference::glue_source() const {
  ExecutorOptions opts;
  opts.build_id = "host-reference";
  return generate_executor_c(archive_, module_, opts);
}

std::vector<uint64_t> HostReference::input_sizes() const {
  return in_sizes_;
}
std::vector<uint64_t> HostReference::output_sizes() const {
  return out_sizes_;
}

fs::path HostReference::build(const std::string& name, const std::string& main_c,
                              const std::vector<fs::path>& extra_sources) {
  fs::path dir = work_dir_ / name;
  fs::create_directories(dir);
  write_file(dir / "main.c", main_c);
  std::vector<std::string> argv = {"cc",
                                   "-O2",
                                   "-std=gnu99",
                                   "-I" + (source_dir_ / "device" / "include").string(),
                                   "-I" + (model_dir_ / "codegen" / "host" / "include").string(),
                                   "-o",
                                   (dir / "harness").string(),
                                   (dir / "main.c").string()};
  if (stub_include_) argv.insert(argv.begin() + 3, "-I" + stub_include_->string());
  for (const fs::path& p : extra_sources)
    argv.push_back(p.string());
  for (const std::string& src : module_.files.sources)
    argv.push_back((model_dir_ / src).string());
  argv.push_back("-lm");
  run_logged(argv, dir / "compile.log", kCompileTimeout,
             fmt::format("compiling the {} harness for {}", name, archive_.name()));
  return dir / "harness";
}

Tensors HostReference::run(const fs::path& exe, const Tensors& inputs,
                           const std::vector<uint64_t>& out_sizes, const std::string& what) {
  fs::path dir = exe.parent_path();
  std::string blob;
  for (const std::string& t : inputs)
    blob += le64(t.size()) + t;
  write_file(dir / "in.bin", blob);
  fs::remove(dir / "out.bin");
  run_logged({exe.string(), (dir / "in.bin").string(), (dir / "out.bin").string()}, dir / "run.log",
             kRunTimeout, what);
  std::string out = read_file(dir / "out.bin");
  Tensors result;
  size_t pos = 0;
  for (uint64_t expected : out_sizes) {
    if (out.size() - pos < 8) throw Error(ExitCode::kFailure, what + ": short output file");
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i)
      len = (len << 8) | static_cast<unsigned char>(out[pos + i]);
    pos += 8;
    if (len != expected || out.size() - pos < len) {
      throw Error(ExitCode::kFailure,
                  fmt::format("{}: output of {} bytes, expected {}", what, len, expected));
    }
    result.push_back(out.substr(pos, len));
    pos += len;
  }
  if (pos != out.size()) throw Error(ExitCode::kFailure, what + ": extra output bytes");
  return result;
}

Tensors HostReference::run_direct(const Tensors& inputs) {
  if (module_.executor == mlf::Executor::kGraph) {
    throw Error(ExitCode::kBadInput, "direct harness: a graph-executor module has no entry point");
  }
  if (!direct_exe_) direct_exe_ = build("direct", direct_main(module_), {});
  return run(*direct_exe_, inputs, out_sizes_, "running the direct harness");
}

Tensors HostReference::run_glue(const Tensors& inputs) {
  if (!glue_exe_) {
    fs::path glue = work_dir_ / "utvm_glue.c";
    write_file(glue, glue_source());
    glue_exe_ = build("glue", glue_main(), {glue, source_dir_ / "device" / "src" / "workspace.c"});
  }
  return run(*glue_exe_, inputs, out_sizes_, "running the glue harness");
}

}  // namespace utvm::codegen::testing
