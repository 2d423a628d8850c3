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
  std::vector<LaidOutTensor> ins, outs;
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    ins.push_back(lay_out(model.inputs[i], "input", i));
  }
  for (size_t i = 0; i < model.outputs.size(); ++i) {
    outs.push_back(lay_out(model.outputs[i], "output", i));
  }

  const std::string prefix = mlf::symbol_prefix(model.module_name);
  const uint64_t arena_bytes = options.workspace_size_bytes
                                   ? align_up(*options.workspace_size_bytes, 16)
                                   : default_arena_bytes(model.workspace_size_bytes);
  const bool with_arena = model.needs_workspace_allocator || options.workspace_size_bytes;
  const std::string arena = unit.shared_arena.empty() ? "utvm_glue_arena" : unit.shared_arena;
  const std::string init_arena =
      with_arena ? fmt::format("  utvm_workspace_init({0}, sizeof({0}));\n", arena) : "";

  // C-interface members: the header's names (already in the tensors) or sanitised names.
  auto member_of = [](const GlueTensor& t) {
    return t.member.empty() ? mlf::sanitize_name(t.name) : t.member;
  };
  for (const auto* names : {&model.workspace_pools, &model.devices}) {
    for (const std::string& n : *names) {
      if (!is_c_identifier(n)) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("generating glue for module \"{}\": bad struct member \"{}\"",
                                model.module_name, n));
      }
    }
  }
  if (model.entry == EntryKind::kCWrapper) {
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

  std::string out;
  out.reserve(4096);
  out += fmt::format(
      "/* utvm executor glue for TVM module \"{}\" ({}).\n"
      " * Generated by utvm at create-project time; do not edit. */\n",
      detail::c_comment_text(model.module_name), entry_kind_name(model.entry));
  out += "#include <stddef.h>\n#include <stdint.h>\n\n#include \"utvm/model.h\"\n";
  if (with_arena) out += "#include \"utvm/workspace.h\"\n";
  if (model.entry == EntryKind::kPackedWrapper) out += "#include \"tvm/runtime/c_runtime_api.h\"\n";
  if (model.entry == EntryKind::kCWrapper && !model.interface_header.empty()) {
    out += fmt::format("#include \"{}\"\n", model.interface_header);
  }
  out += '\n';
  out += detail::kAlignMacro;
  if (with_arena && unit.shared_arena.empty()) {
    out += "\n/* Workspace arena for TVMBackendAllocWorkspace (reset before every run). */\n";
    out += fmt::format("static uint8_t utvm_glue_arena[{}] UTVM_GLUE_ALIGNED;\n", arena_bytes);
  }
  out += '\n';

  out += "/* Input and output buffers. */\n";
  emit_buffers(out, ins, "in");
  emit_buffers(out, outs, "out");
  out += '\n';
  emit_tensor_table(out, ins, "in", "utvm_glue_inputs");
  emit_tensor_table(out, outs, "out", "utvm_glue_outputs");
  out += '\n';

  const size_t n_args = ins.size() + outs.size();
  switch (model.entry) {
    case EntryKind::kCWrapper: {
      if (model.interface_header.empty()) {
        for (const auto& [list, suffix] :
             {std::pair{&model.inputs, "inputs"}, std::pair{&model.outputs, "outputs"}}) {
          out += fmt::format("struct {}_{} {{\n", prefix, suffix);
          if (list->empty()) out += "  void* unused;\n";
          for (const GlueTensor& t : *list)
            out += fmt::format("  void* {};\n", member_of(t));
          out += "};\n";
        }
        out += fmt::format("int32_t {}(struct {}_inputs* inputs, struct {}_outputs* outputs);\n\n",
                           model.entry_symbol, prefix, prefix);
      }
      if (!model.interface_header.empty()) {
        // External USMP pools: one static buffer each, sized by the header's macro.
        for (size_t i = 0; i < model.workspace_pools.size(); ++i) {
          std::string macro = fmt::format("{}_{}_WORKSPACE_POOL_SIZE", upper(prefix),
                                          upper(model.workspace_pools[i]));
          out += fmt::format(
              "#ifndef {0}\n#error \"{1} does not define {0}\"\n#endif\n"
              "static uint8_t utvm_glue_pool{2}[{0}] UTVM_GLUE_ALIGNED;\n",
              macro, model.interface_header, i);
        }
        if (!model.workspace_pools.empty()) out += '\n';
      } else if (!model.workspace_pools.empty() || !model.devices.empty()) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("generating glue for module \"{}\": workspace pools or devices "
                                "need the interface header",
                                model.module_name));
      }
      out += "static int32_t utvm_glue_run(void) {\n";
      out +=
          fmt::format("  struct {}_inputs inputs;\n  struct {}_outputs outputs;\n", prefix, prefix);
      std::string extra_args;
      if (!model.workspace_pools.empty()) {
        out += fmt::format("  struct {}_workspace_pools pools;\n", prefix);
        extra_args += ", &pools";
      }
      if (!model.devices.empty()) {
        out += fmt::format("  struct {}_devices devices;\n", prefix);
        extra_args += ", &devices";
      }
      for (size_t i = 0; i < model.workspace_pools.size(); ++i) {
        out += fmt::format("  pools.{} = utvm_glue_pool{};\n", model.workspace_pools[i], i);
      }
      for (const std::string& d : model.devices)
        out += fmt::format("  devices.{} = NULL;\n", d);
      for (size_t i = 0; i < ins.size(); ++i) {
        out += fmt::format("  inputs.{} = utvm_glue_in{};\n", member_of(model.inputs[i]), i);
      }
      for (size_t i = 0; i < outs.size(); ++i) {
        out += fmt::format("  outputs.{} = utvm_glue_out{};\n", member_of(model.outputs[i]), i);
      }
      out += init_arena;
      out += fmt::format("  return {}(&inputs, &outputs{});\n}}\n", model.entry_symbol, extra_args);
      break;
    }
    case EntryKind::kPackedWrapper: {
      out += fmt::format(
          "int32_t {}(void* args, void* type_code, int num_args, void* out_value, "
          "void* out_type_code, void* resource_handle);\n\n",
          model.entry_symbol);
      if (n_args > 0) {
        out += fmt::format("static DLTensor utvm_glue_args[{}] = {{\n", n_args);
        for (size_t i = 0; i < n_args; ++i) {
          bool is_in = i < ins.size();
          size_t k = is_in ? i : i - ins.size();
          const LaidOutTensor& t = is_in ? ins[k] : outs[k];
          out += fmt::format(
              "    {{.data = utvm_glue_{0}{1}, .device = {{kDLCPU, 0}}, .ndim = {2}, .dtype = "
              "{{{3}, "
              "{4}, {5}}}, .shape = utvm_glue_{0}{1}_shape, .strides = NULL, .byte_offset = 0}},\n",
              is_in ? "in" : "out", k, t.shape.size(), t.dtype.code, t.dtype.bits, t.dtype.lanes);
        }
        out += "};\n\n";
      }
      out += "static int32_t utvm_glue_run(void) {\n";
      out += fmt::format("  TVMValue args[{}];\n  int type_codes[{}];\n",
                         std::max<size_t>(n_args, 1), std::max<size_t>(n_args, 1));
      out += "  TVMValue ret_value;\n  int ret_type_code = 0;\n";
      if (n_args > 0) {
        out += fmt::format("  int i;\n  for (i = 0; i < {}; ++i) {{\n", n_args);
        out += "    args[i].v_handle = &utvm_glue_args[i];\n";
        out += "    type_codes[i] = kTVMDLTensorHandle;\n  }\n";
      } else {
        out += "  args[0].v_handle = NULL;\n  type_codes[0] = kTVMNullptr;\n";
      }
      out += "  ret_value.v_int64 = 0;\n";
      out += init_arena;
      out +=
          fmt::format("  return {}(args, type_codes, {}, &ret_value, &ret_type_code, NULL);\n}}\n",
                      model.entry_symbol, n_args);
      break;
    }
    case EntryKind::kRunModel:
    case EntryKind::kTvmMain: {
      std::string params;
      std::string call;
      for (size_t i = 0; i < n_args; ++i) {
        bool is_in = i < ins.size();
        size_t k = is_in ? i : i - ins.size();
        if (i) {
          params += ", ";
          call += ", ";
        }
        params += fmt::format("void* arg{}", i);
        call += fmt::format("utvm_glue_{}{}", is_in ? "in" : "out", k);
      }
      out += fmt::format("int32_t {}({});\n\n", model.entry_symbol,
                         params.empty() ? std::string("void") : params);
      out += "static int32_t utvm_glue_run(void) {\n";
      out += init_arena;
      out += fmt::format("  return {}({});\n}}\n", model.entry_symbol, call);
      break;
    }
  }

  out += fmt::format(
      "\nstatic const utvm_model_t utvm_glue_model = {{\n    .name = {},\n    .build_id = {},\n"
      "    .num_inputs = {},\n    .num_outputs = {},\n    .inputs = {},\n    .outputs = {},\n"
      "    .run = utvm_glue_run,\n}};\n",
      c_string_literal(model.module_name), c_string_literal(options.build_id), ins.size(),
      outs.size(), ins.empty() ? "NULL" : "utvm_glue_inputs",
      outs.empty() ? "NULL" : "utvm_glue_outputs");
  return out;
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
