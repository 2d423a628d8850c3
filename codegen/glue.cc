#include "utvm/codegen/glue.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "c_text.h"
#include "firmware_units.h"
#include "utvm/common/error.h"
#include "utvm/mlf/dtype.h"
#include "utvm/mlf/model.h"

namespace utvm::codegen {

using detail::align_up;
using detail::c_int64_list;
using detail::c_string_literal;
using detail::element_bytes;
using detail::is_c_identifier;
using detail::shape_bytes;
using detail::try_parse_dtype;

uint64_t default_arena_bytes(uint64_t module_workspace_bytes) {
  return align_up(module_workspace_bytes + 64, 16);
}

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Text with /* */ and // comments blanked out (so commented-out code never matches).
std::string strip_comments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
      out += ' ';
    } else if (text.compare(i, 2, "//") == 0) {
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// Members of `struct <tag> { void* a; void* b; }` in `text`, or nullopt if the struct is absent.
std::optional<std::vector<std::string>> struct_members(const std::string& text,
                                                       const std::string& tag) {
  size_t pos = 0;
  while ((pos = text.find(tag, pos)) != std::string::npos) {
    size_t after = pos + tag.size();
    bool word_start = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) ||
                                    text[pos - 1] == '_');
    bool word_end = after >= text.size() ||
                    !(std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '_');
    size_t brace = text.find_first_not_of(" \t\r\n", after);
    if (!word_start || !word_end || brace == std::string::npos || text[brace] != '{') {
      pos = after;
      continue;
    }
    size_t close = text.find('}', brace);
    if (close == std::string::npos) return std::nullopt;
    std::vector<std::string> members;
    std::string body = text.substr(brace + 1, close - brace - 1);
    size_t start = 0;
    while (start < body.size()) {
      size_t semi = body.find(';', start);
      if (semi == std::string::npos) break;
      std::string decl = body.substr(start, semi - start);
      start = semi + 1;
      // The member name is the last identifier in the declaration.
      size_t end = decl.find_last_not_of(" \t\r\n");
      if (end == std::string::npos) continue;
      size_t begin = end + 1;
      while (begin > 0 && (std::isalnum(static_cast<unsigned char>(decl[begin - 1])) ||
                           decl[begin - 1] == '_')) {
        --begin;
      }
      if (begin <= end) members.push_back(decl.substr(begin, end + 1 - begin));
    }
    return members;
  }
  return std::nullopt;
}

struct LaidOutTensor {
  const GlueTensor* tensor;
  mlf::DType dtype;
  std::vector<int64_t> shape;
  uint64_t bytes;
};

LaidOutTensor lay_out(const GlueTensor& t, const char* role, size_t index) {
  auto dtype = try_parse_dtype(t.dtype);
  if (!dtype) {
    throw Error(ExitCode::kBadInput,
                fmt::format("generating glue: {} {} \"{}\" has unsupported dtype \"{}\"", role,
                            index, t.name, t.dtype));
  }
  LaidOutTensor out{&t, *dtype, {}, t.bytes};
  if (t.shape) {
    out.shape = *t.shape;
    for (int64_t d : out.shape) {
      if (d < 0) {
        throw Error(
            ExitCode::kBadInput,
            fmt::format("generating glue: {} \"{}\" has a negative dimension", role, t.name));
      }
    }
    uint64_t computed = shape_bytes(*dtype, out.shape);
    if (t.bytes != 0 && computed != t.bytes) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("generating glue: {} \"{}\": shape {} of {} is {} bytes, but the "
                              "model says {} bytes",
                              role, t.name, c_int64_list(out.shape), t.dtype, computed, t.bytes));
    }
    out.bytes = computed;
  } else {
    uint64_t elem = element_bytes(*dtype);
    if (t.bytes % elem != 0) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("generating glue: {} \"{}\" has {} bytes, not a whole number of {} "
                              "elements",
                              role, t.name, t.bytes, t.dtype));
    }
    out.shape = {static_cast<int64_t>(t.bytes / elem)};
  }
  if (out.shape.size() > 32) {
    throw Error(ExitCode::kBadInput,
                fmt::format("generating glue: {} \"{}\" has {} dimensions (utvm supports up to 32)",
                            role, t.name, out.shape.size()));
  }
  if (out.bytes > std::numeric_limits<uint32_t>::max()) {
    throw Error(ExitCode::kBadInput,
                fmt::format("generating glue: {} \"{}\" is {} bytes; utvm tensors hold at most "
                            "4 GiB",
                            role, t.name, out.bytes));
  }
  return out;
}

const char* entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kCWrapper:
      return "C interface wrapper";
    case EntryKind::kPackedWrapper:
      return "packed interface wrapper";
    case EntryKind::kRunModel:
      return "run_model (no wrapper)";
    case EntryKind::kTvmMain:
      return "__tvm_main__ (no wrapper)";
  }
  return "?";
}

void emit_buffers(std::string& out, const std::vector<LaidOutTensor>& tensors, const char* prefix) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    const LaidOutTensor& t = tensors[i];
    out += fmt::format("static uint8_t utvm_glue_{}{}[{}] UTVM_GLUE_ALIGNED;\n", prefix, i,
                       std::max<uint64_t>(t.bytes, 1));
    out += fmt::format("static int64_t utvm_glue_{}{}_shape[{}] = {};\n", prefix, i,
                       std::max<size_t>(t.shape.size(), 1), c_int64_list(t.shape));
  }
}

void emit_tensor_table(std::string& out, const std::vector<LaidOutTensor>& tensors,
                       const char* prefix, const char* table) {
  if (tensors.empty()) return;
  out += fmt::format("static utvm_tensor_t {}[{}] = {{\n", table, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const LaidOutTensor& t = tensors[i];
    out += fmt::format(
        "    {{.name = {}, .dtype_code = {}, .dtype_bits = {}, .dtype_lanes = {}, .ndim = {}, "
        ".shape = utvm_glue_{}{}_shape, .data = utvm_glue_{}{}, .nbytes = {}u}},\n",
        c_string_literal(t.tensor->name), t.dtype.code, t.dtype.bits, t.dtype.lanes, t.shape.size(),
        prefix, i, prefix, i, t.bytes);
  }
  out += "};\n";
}

// ---- glue_unit's emitters: each appends one part of the file, in file order ------------------

// What the emitters share about one module's glue.
struct GlueText {
  GlueText(const GlueModel& m, const GlueOptions& o, const detail::UnitNames& u)
      : model(m), options(o), unit(u) {}

  const GlueModel& model;
  const GlueOptions& options;
  const detail::UnitNames& unit;
  std::vector<LaidOutTensor> ins, outs;
  std::string prefix;       // tvmgen_<module>
  bool with_arena = false;  // the model allocates workspace, or an arena size was given
  std::string init_arena;   // the run function's arena reset line ("" without an arena)
  std::string out;

  size_t n_args() const { return ins.size() + outs.size(); }
  // The i-th argument of a packed or plain call: inputs first, then outputs.
  std::pair<const char*, size_t> arg(size_t i) const {
    return i < ins.size() ? std::pair{"in", i} : std::pair{"out", i - ins.size()};
  }
};

// C-interface members: the header's names (already in the tensors) or sanitised names.
std::string member_of(const GlueTensor& t) {
  return t.member.empty() ? mlf::sanitize_name(t.name) : t.member;
}

void check_entry_and_header(const GlueModel& model) {
  if (!is_c_identifier(model.entry_symbol)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("generating glue for module \"{}\": no usable entry point symbol "
                            "(got \"{}\")",
                            model.module_name, model.entry_symbol));
  }
  if (!model.interface_header.empty() && (model.interface_header.find_first_not_of(
                                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_.-") != std::string::npos ||
                                          model.interface_header[0] == '.')) {
    throw Error(ExitCode::kBadInput,
                fmt::format("generating glue for module \"{}\": unusable header name \"{}\"",
                            model.module_name, model.interface_header));
  }
  if (model.inputs.size() > 65535 || model.outputs.size() > 65535) {
    throw Error(
        ExitCode::kBadInput,
        fmt::format("generating glue for module \"{}\": too many tensors", model.module_name));
  }
}

void check_struct_members(const GlueModel& model) {
  for (const auto* names : {&model.workspace_pools, &model.devices}) {
    for (const std::string& n : *names) {
      if (!is_c_identifier(n)) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("generating glue for module \"{}\": bad struct member \"{}\"",
                                model.module_name, n));
      }
    }
  }
  if (model.entry != EntryKind::kCWrapper) return;
  for (const auto* list : {&model.inputs, &model.outputs}) {
    std::set<std::string> seen;
    for (const GlueTensor& t : *list) {
      std::string m = member_of(t);
      if (!is_c_identifier(m) || !seen.insert(m).second) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("generating glue for module \"{}\": struct member \"{}\" (for "
                                "tensor \"{}\") is invalid or not unique",
                                model.module_name, m, t.name));
      }
    }
  }
}

// The header comment, the includes, the alignment macro and the module's own arena.
void emit_preamble(GlueText& g) {
  const GlueModel& model = g.model;
  g.out += fmt::format(
      "/* utvm executor glue for TVM module \"{}\" ({}).\n"
      " * Generated by utvm at create-project time; do not edit. */\n",
      detail::c_comment_text(model.module_name), entry_kind_name(model.entry));
  g.out += "#include <stddef.h>\n#include <stdint.h>\n\n#include \"utvm/model.h\"\n";
  if (g.with_arena) g.out += "#include \"utvm/workspace.h\"\n";
  if (model.entry == EntryKind::kPackedWrapper)
    g.out += "#include \"tvm/runtime/c_runtime_api.h\"\n";
  if (model.entry == EntryKind::kCWrapper && !model.interface_header.empty()) {
    g.out += fmt::format("#include \"{}\"\n", model.interface_header);
  }
  g.out += '\n';
  g.out += detail::kAlignMacro;
  if (g.with_arena && g.unit.shared_arena.empty()) {
    const uint64_t arena_bytes = g.options.workspace_size_bytes
                                     ? align_up(*g.options.workspace_size_bytes, 16)
                                     : default_arena_bytes(model.workspace_size_bytes);
    g.out += "\n/* Workspace arena for TVMBackendAllocWorkspace (reset before every run). */\n";
    g.out += fmt::format("static uint8_t utvm_glue_arena[{}] UTVM_GLUE_ALIGNED;\n", arena_bytes);
  }
  g.out += '\n';
}

// The input/output buffers, their shapes and the utvm_tensor_t tables.
void emit_io_tables(GlueText& g) {
  g.out += "/* Input and output buffers. */\n";
  emit_buffers(g.out, g.ins, "in");
  emit_buffers(g.out, g.outs, "out");
  g.out += '\n';
  emit_tensor_table(g.out, g.ins, "in", "utvm_glue_inputs");
  emit_tensor_table(g.out, g.outs, "out", "utvm_glue_outputs");
  g.out += '\n';
}

// Without TVM's interface header: the inputs/outputs structs and the entry point's prototype.
void emit_interface_structs(GlueText& g) {
  const GlueModel& model = g.model;
  for (const auto& [list, suffix] :
       {std::pair{&model.inputs, "inputs"}, std::pair{&model.outputs, "outputs"}}) {
    g.out += fmt::format("struct {}_{} {{\n", g.prefix, suffix);
    if (list->empty()) g.out += "  void* unused;\n";
    for (const GlueTensor& t : *list)
      g.out += fmt::format("  void* {};\n", member_of(t));
    g.out += "};\n";
  }
  g.out += fmt::format("int32_t {}(struct {}_inputs* inputs, struct {}_outputs* outputs);\n\n",
                       model.entry_symbol, g.prefix, g.prefix);
}

// External USMP pools: one static buffer each, sized by the interface header's macro.
void emit_workspace_pools(GlueText& g) {
  const GlueModel& model = g.model;
  if (model.interface_header.empty()) {
    if (!model.workspace_pools.empty() || !model.devices.empty()) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("generating glue for module \"{}\": workspace pools or devices "
                              "need the interface header",
                              model.module_name));
    }
    return;
  }
  for (size_t i = 0; i < model.workspace_pools.size(); ++i) {
    std::string macro =
        fmt::format("{}_{}_WORKSPACE_POOL_SIZE", upper(g.prefix), upper(model.workspace_pools[i]));
    g.out += fmt::format(
        "#ifndef {0}\n#error \"{1} does not define {0}\"\n#endif\n"
        "static uint8_t utvm_glue_pool{2}[{0}] UTVM_GLUE_ALIGNED;\n",
        macro, model.interface_header, i);
  }
  if (!model.workspace_pools.empty()) g.out += '\n';
}

// utvm_glue_run for the C interface: fill the structs, call the wrapper.
void emit_c_wrapper_run(GlueText& g) {
  const GlueModel& model = g.model;
  g.out += "static int32_t utvm_glue_run(void) {\n";
  g.out +=
      fmt::format("  struct {}_inputs inputs;\n  struct {}_outputs outputs;\n", g.prefix, g.prefix);
  std::string extra_args;
  if (!model.workspace_pools.empty()) {
    g.out += fmt::format("  struct {}_workspace_pools pools;\n", g.prefix);
    extra_args += ", &pools";
  }
  if (!model.devices.empty()) {
    g.out += fmt::format("  struct {}_devices devices;\n", g.prefix);
    extra_args += ", &devices";
  }
  for (size_t i = 0; i < model.workspace_pools.size(); ++i)
    g.out += fmt::format("  pools.{} = utvm_glue_pool{};\n", model.workspace_pools[i], i);
  for (const std::string& d : model.devices)
    g.out += fmt::format("  devices.{} = NULL;\n", d);
  for (size_t i = 0; i < g.ins.size(); ++i)
    g.out += fmt::format("  inputs.{} = utvm_glue_in{};\n", member_of(model.inputs[i]), i);
  for (size_t i = 0; i < g.outs.size(); ++i)
    g.out += fmt::format("  outputs.{} = utvm_glue_out{};\n", member_of(model.outputs[i]), i);
  g.out += g.init_arena;
  g.out += fmt::format("  return {}(&inputs, &outputs{});\n}}\n", model.entry_symbol, extra_args);
}

// The packed wrapper's prototype and one DLTensor per argument.
void emit_packed_declaration_and_args(GlueText& g) {
  g.out += fmt::format(
      "int32_t {}(void* args, void* type_code, int num_args, void* out_value, "
      "void* out_type_code, void* resource_handle);\n\n",
      g.model.entry_symbol);
  if (g.n_args() == 0) return;
  g.out += fmt::format("static DLTensor utvm_glue_args[{}] = {{\n", g.n_args());
  for (size_t i = 0; i < g.n_args(); ++i) {
    const auto [role, k] = g.arg(i);
    const LaidOutTensor& t = i < g.ins.size() ? g.ins[k] : g.outs[k];
    g.out += fmt::format(
        "    {{.data = utvm_glue_{0}{1}, .device = {{kDLCPU, 0}}, .ndim = {2}, .dtype = "
        "{{{3}, "
        "{4}, {5}}}, .shape = utvm_glue_{0}{1}_shape, .strides = NULL, .byte_offset = 0}},\n",
        role, k, t.shape.size(), t.dtype.code, t.dtype.bits, t.dtype.lanes);
  }
  g.out += "};\n\n";
}

// utvm_glue_run for the packed interface: TVMValue arguments pointing at the DLTensors.
void emit_packed_run(GlueText& g) {
  const size_t n_args = g.n_args();
  g.out += "static int32_t utvm_glue_run(void) {\n";
  g.out += fmt::format("  TVMValue args[{}];\n  int type_codes[{}];\n", std::max<size_t>(n_args, 1),
                       std::max<size_t>(n_args, 1));
  g.out += "  TVMValue ret_value;\n  int ret_type_code = 0;\n";
  if (n_args > 0) {
    g.out += fmt::format("  int i;\n  for (i = 0; i < {}; ++i) {{\n", n_args);
    g.out += "    args[i].v_handle = &utvm_glue_args[i];\n";
    g.out += "    type_codes[i] = kTVMDLTensorHandle;\n  }\n";
  } else {
    g.out += "  args[0].v_handle = NULL;\n  type_codes[0] = kTVMNullptr;\n";
  }
  g.out += "  ret_value.v_int64 = 0;\n";
  g.out += g.init_arena;
  g.out += fmt::format("  return {}(args, type_codes, {}, &ret_value, &ret_type_code, NULL);\n}}\n",
                       g.model.entry_symbol, n_args);
}

// run_model / __tvm_main__ without a wrapper: one void* per buffer, inputs first.
void emit_plain_call_run(GlueText& g) {
  std::string params;
  std::string call;
  for (size_t i = 0; i < g.n_args(); ++i) {
    const auto [role, k] = g.arg(i);
    if (i) {
      params += ", ";
      call += ", ";
    }
    params += fmt::format("void* arg{}", i);
    call += fmt::format("utvm_glue_{}{}", role, k);
  }
  g.out += fmt::format("int32_t {}({});\n\n", g.model.entry_symbol,
                       params.empty() ? std::string("void") : params);
  g.out += "static int32_t utvm_glue_run(void) {\n";
  g.out += g.init_arena;
  g.out += fmt::format("  return {}({});\n}}\n", g.model.entry_symbol, call);
}

// The module's utvm_model_t.
void emit_model_struct(GlueText& g) {
  g.out += fmt::format(
      "\nstatic const utvm_model_t utvm_glue_model = {{\n    .name = {},\n    .build_id = {},\n"
      "    .num_inputs = {},\n    .num_outputs = {},\n    .inputs = {},\n    .outputs = {},\n"
      "    .run = utvm_glue_run,\n}};\n",
      c_string_literal(g.model.module_name), c_string_literal(g.options.build_id), g.ins.size(),
      g.outs.size(), g.ins.empty() ? "NULL" : "utvm_glue_inputs",
      g.outs.empty() ? "NULL" : "utvm_glue_outputs");
}

}  // namespace

InterfaceStructs parse_interface_header(std::string_view header_text,
                                        std::string_view module_name) {
  std::string text = strip_comments(header_text);
  std::string prefix = mlf::symbol_prefix(module_name);
  InterfaceStructs out;
  auto inputs = struct_members(text, "struct " + prefix + "_inputs");
  auto outputs = struct_members(text, "struct " + prefix + "_outputs");
  if (!inputs || !outputs) {
    throw Error(ExitCode::kBadInput, fmt::format("reading {}.h: no definition of struct {}_{}",
                                                 prefix, prefix, inputs ? "outputs" : "inputs"));
  }
  out.inputs = std::move(*inputs);
  out.outputs = std::move(*outputs);
  out.workspace_pools = struct_members(text, "struct " + prefix + "_workspace_pools")
                            .value_or(std::vector<std::string>{});
  out.devices =
      struct_members(text, "struct " + prefix + "_devices").value_or(std::vector<std::string>{});
  return out;
}

std::string generate_glue_c(const GlueModel& model, const GlueOptions& options) {
  return detail::glue_unit(model, options, {}) + detail::model_table({"utvm_glue_model"});
}

std::string detail::glue_unit(const GlueModel& model, const GlueOptions& options,
                              const UnitNames& unit) {
  check_entry_and_header(model);
  GlueText g(model, options, unit);
  for (size_t i = 0; i < model.inputs.size(); ++i)
    g.ins.push_back(lay_out(model.inputs[i], "input", i));
  for (size_t i = 0; i < model.outputs.size(); ++i)
    g.outs.push_back(lay_out(model.outputs[i], "output", i));
  check_struct_members(model);

  g.prefix = mlf::symbol_prefix(model.module_name);
  g.with_arena = model.needs_workspace_allocator || options.workspace_size_bytes;
  const std::string arena = unit.shared_arena.empty() ? "utvm_glue_arena" : unit.shared_arena;
  if (g.with_arena) g.init_arena = fmt::format("  utvm_workspace_init({0}, sizeof({0}));\n", arena);

  g.out.reserve(4096);
  emit_preamble(g);
  emit_io_tables(g);
  switch (model.entry) {
    case EntryKind::kCWrapper:
      if (model.interface_header.empty()) emit_interface_structs(g);
      emit_workspace_pools(g);
      emit_c_wrapper_run(g);
      break;
    case EntryKind::kPackedWrapper:
      emit_packed_declaration_and_args(g);
      emit_packed_run(g);
      break;
    case EntryKind::kRunModel:
    case EntryKind::kTvmMain:
      emit_plain_call_run(g);
      break;
  }
  emit_model_struct(g);
  return std::move(g.out);
}

GlueModel glue_model_from_module(const mlf::Module& module) {
  GlueModel g;
  g.module_name = module.name;
  g.workspace_size_bytes = module.workspace_size_bytes;
  g.needs_workspace_allocator = module.needs_workspace_allocator;
  switch (module.entry_point.kind) {
    case mlf::EntryPoint::Kind::kCWrapper:
      g.entry = EntryKind::kCWrapper;
      break;
    case mlf::EntryPoint::Kind::kPackedWrapper:
      g.entry = EntryKind::kPackedWrapper;
      break;
    case mlf::EntryPoint::Kind::kRunModel:
      g.entry = EntryKind::kRunModel;
      break;
    case mlf::EntryPoint::Kind::kTvmMain:
      g.entry = EntryKind::kTvmMain;
      break;
    case mlf::EntryPoint::Kind::kNone:
      throw Error(ExitCode::kBadInput,
                  fmt::format("generating glue for module \"{}\": it has no AOT entry point ({} "
                              "executor); use the graph executor lowering",
                              module.name, mlf::to_string(module.executor)));
  }
  g.entry_symbol = module.entry_point.symbol;
  if (g.entry == EntryKind::kCWrapper && module.files.header) {
    const std::string& h = *module.files.header;
    g.interface_header = h.substr(h.find_last_of('/') + 1);
  }
  auto convert = [](const std::vector<mlf::TensorInfo>& list) {
    std::vector<GlueTensor> out;
    for (const mlf::TensorInfo& t : list) {
      out.push_back(GlueTensor{t.name, t.c_name, t.dtype, t.shape, t.bytes});
    }
    return out;
  };
  g.inputs = convert(module.inputs);
  g.outputs = convert(module.outputs);
  return g;
}

std::string generate_glue_c(const mlf::Module& module, const GlueOptions& options) {
  return generate_glue_c(glue_model_from_module(module), options);
}

}  // namespace utvm::codegen
