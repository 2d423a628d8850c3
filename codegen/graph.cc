#include "utvm/codegen/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "c_text.h"
#include "firmware_units.h"
#include "utvm/codegen/glue.h"
#include "utvm/common/error.h"

namespace utvm::codegen {

using detail::align_up;
using detail::c_int64_list;
using detail::c_string_literal;
using detail::shape_bytes;
using detail::try_parse_dtype;

namespace {

enum class NodeRole { kInput, kParam, kOp };

constexpr size_t kMaxNdim = 32;

struct Entry {
  mlf::DType dtype;
  uint64_t bytes = 0;
  int64_t sid = 0;
  uint32_t node = 0;
};

struct Storage {
  uint64_t bytes = 0;
  std::vector<uint32_t> entries;
  int param_in_place = -1;  // index into params when the storage is one param, used in place
};

class Lowering {
 public:
  Lowering(const mlf::Module& module, const mlf::Graph& graph,
           const std::vector<mlf::Param>& params, const GraphOptions& options,
           const detail::UnitNames& unit)
      : module_(module), graph_(graph), params_(params), options_(options), unit_(unit) {
    file_ = !options.graph_file_name.empty() ? options.graph_file_name
            : module.files.graph_json        ? *module.files.graph_json
                                             : std::string("graph.json");
  }

  std::string run() {
    if (graph_.nodes.size() > 100000 || graph_.heads.size() > 65535) {
      fail("graph too large for a device");
    }
    check_tables();
    classify_nodes();
    plan_storage();
    return emit();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}", file_, what));
  }
  [[noreturn]] void fail_node(uint32_t n, const std::string& what) const {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: node {} (\"{}\"): {}", file_, n, graph_.nodes[n].name, what));
  }

  bool flattens(uint32_t n) const {
    auto it = graph_.nodes[n].attrs.find("flatten_data");
    return it != graph_.nodes[n].attrs.end() && it->second == "1";
  }

  uint32_t entry_count(uint32_t n) const {
    return graph_.node_row_ptr[n + 1] - graph_.node_row_ptr[n];
  }

  void check_tables() {
    const size_t n_nodes = graph_.nodes.size();
    if (graph_.node_row_ptr.size() != n_nodes + 1) {
      fail(fmt::format("node_row_ptr has {} items for {} nodes", graph_.node_row_ptr.size(),
                       n_nodes));
    }
    for (size_t i = 0; i < n_nodes; ++i) {
      if (graph_.node_row_ptr[i + 1] < graph_.node_row_ptr[i]) fail("node_row_ptr decreases");
    }
    const size_t n_entries = graph_.node_row_ptr.back();
    if (!graph_.device_index.empty()) {
      if (graph_.device_index.size() != n_entries) {
        fail(fmt::format("attrs: device_index has {} items for {} entries",
                         graph_.device_index.size(), n_entries));
      }
      for (size_t e = 0; e < n_entries; ++e) {
        if (graph_.device_index[e] != 1) {  // kDLCPU
          fail(fmt::format("entry {} is placed on device type {}; utvm runs graphs on the CPU only",
                           e, graph_.device_index[e]));
        }
      }
    }
    if (graph_.storage_id.size() != n_entries || graph_.shape.size() != n_entries ||
        graph_.dltype.size() != n_entries) {
      fail(fmt::format("attrs: {} entries, but storage_id/shape/dltype have {}/{}/{}", n_entries,
                       graph_.storage_id.size(), graph_.shape.size(), graph_.dltype.size()));
    }
    entries_.resize(n_entries);
    for (uint32_t n = 0; n < n_nodes; ++n) {
      for (uint32_t e = graph_.node_row_ptr[n]; e < graph_.node_row_ptr[n + 1]; ++e) {
        auto dtype = try_parse_dtype(graph_.dltype[e]);
        if (!dtype) fail_node(n, fmt::format("unsupported dtype \"{}\"", graph_.dltype[e]));
        for (int64_t d : graph_.shape[e]) {
          if (d < 0) fail_node(n, fmt::format("negative dimension in shape of entry {}", e));
        }
        if (graph_.shape[e].size() > kMaxNdim) {
          fail_node(n, fmt::format("entry {} has {} dimensions (utvm supports up to {})", e,
                                   graph_.shape[e].size(), kMaxNdim));
        }
        if (graph_.storage_id[e] < 0) {
          fail_node(
              n, fmt::format("entry {} has no storage (storage_id {})", e, graph_.storage_id[e]));
        }
        entries_[e] = Entry{*dtype, shape_bytes(*dtype, graph_.shape[e]), graph_.storage_id[e], n};
        if (entries_[e].bytes > std::numeric_limits<uint32_t>::max()) {
          fail_node(n, fmt::format("entry {} is larger than 4 GiB", e));
        }
      }
    }
    for (size_t h = 0; h < graph_.heads.size(); ++h) {
      const mlf::GraphEntry& head = graph_.heads[h];
      if (head[0] >= n_nodes || head[1] >= entry_count(head[0])) {
        fail(fmt::format("heads[{}] refers to node {} output {}, which does not exist", h, head[0],
                         head[1]));
      }
    }
  }

  void classify_nodes() {
    std::map<std::string, int> param_index;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!param_index.emplace(params_[i].name, static_cast<int>(i)).second) {
        fail(fmt::format("params: \"{}\" appears twice", params_[i].name));
      }
    }
    std::set<std::string> declared_inputs;
    for (const mlf::TensorInfo& t : module_.inputs)
      declared_inputs.insert(t.name);

    roles_.resize(graph_.nodes.size());
    node_param_.assign(graph_.nodes.size(), -1);
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      const mlf::GraphNode& node = graph_.nodes[n];
      if (node.op == "null") {
        if (entry_count(n) != 1) fail_node(n, "an input or parameter node must have one entry");
        if (!node.inputs.empty()) fail_node(n, "an input or parameter node cannot have inputs");
        const uint32_t e = graph_.node_row_ptr[n];
        auto it = param_index.find(node.name);
        if (it != param_index.end()) {
          const mlf::Param& p = params_[it->second];
          if (p.dtype != graph_.dltype[e] || p.shape != graph_.shape[e]) {
            fail_node(n, fmt::format("param is {} {} in the params file but {} {} in the graph",
                                     p.dtype, c_int64_list(p.shape), graph_.dltype[e],
                                     c_int64_list(graph_.shape[e])));
          }
          if (p.data.size() != entries_[e].bytes) {
            fail_node(n, fmt::format("param holds {} bytes, the graph needs {}", p.data.size(),
                                     entries_[e].bytes));
          }
          roles_[n] = NodeRole::kParam;
          node_param_[n] = it->second;
        } else if (!declared_inputs.empty() && !declared_inputs.count(node.name)) {
          fail_node(n, fmt::format("\"{}\" is neither a model input nor in the params file "
                                   "(missing param)",
                                   node.name));
        } else {
          roles_[n] = NodeRole::kInput;
        }
      } else if (node.op == "tvm_op") {
        roles_[n] = NodeRole::kOp;
        check_op(n);
      } else {
        fail_node(n,
                  fmt::format("unknown op kind \"{}\" (expected \"null\" or \"tvm_op\")", node.op));
      }
    }
    // Positional input order is arg_nodes' order (TVM's GetInputIndex); null nodes missing from
    // arg_nodes (not written by TVM) follow in node order.
    std::set<uint32_t> placed;
    for (uint32_t n : graph_.arg_nodes) {
      if (n >= graph_.nodes.size())
        fail(fmt::format("arg_nodes lists node {}, which does not exist", n));
      if (roles_[n] == NodeRole::kInput && placed.insert(n).second) input_nodes_.push_back(n);
    }
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] == NodeRole::kInput && placed.insert(n).second) input_nodes_.push_back(n);
    }
    if (!declared_inputs.empty()) {
      // Every declared input must be a graph node, with matching dtype and size.
      for (const mlf::TensorInfo& t : module_.inputs) {
        auto it = std::find_if(input_nodes_.begin(), input_nodes_.end(),
                               [&](uint32_t n) { return graph_.nodes[n].name == t.name; });
        if (it == input_nodes_.end()) {
          fail(fmt::format("model input \"{}\" is not a node of the graph", t.name));
        }
        const uint32_t e = graph_.node_row_ptr[*it];
        if (t.dtype != graph_.dltype[e] || (t.bytes != 0 && t.bytes != entries_[e].bytes) ||
            (t.shape && *t.shape != graph_.shape[e])) {
          fail_node(*it, fmt::format("input is {} ({} bytes) in the metadata but {} {} ({} bytes) "
                                     "in the graph",
                                     t.dtype, t.bytes, graph_.dltype[e],
                                     c_int64_list(graph_.shape[e]), entries_[e].bytes));
        }
      }
    }
  }

  void check_op(uint32_t n) {
    const mlf::GraphNode& node = graph_.nodes[n];
    auto attr = [&](const char* key) -> const std::string& {
      auto it = node.attrs.find(key);
      if (it == node.attrs.end()) fail_node(n, fmt::format("tvm_op without attribute {}", key));
      return it->second;
    };
    const std::string& func = attr("func_name");
    if (func == "__nop" || func == "__copy") {
      fail_node(n, fmt::format("pseudo-op {} is not supported", func));
    }
    if (!detail::is_c_identifier(func)) {
      fail_node(n, fmt::format("func_name \"{}\" is not a C identifier", func));
    }
    auto number = [&](const char* key) {
      const std::string& text = attr(key);
      if (text.empty() || text.size() > 6 ||
          text.find_first_not_of("0123456789") != std::string::npos) {
        fail_node(n, fmt::format("attribute {} = \"{}\" is not a count", key, text));
      }
      return static_cast<uint32_t>(std::stoul(text));
    };
    if (number("num_inputs") != node.inputs.size()) {
      fail_node(n, fmt::format("num_inputs is {} but the node has {} inputs", attr("num_inputs"),
                               node.inputs.size()));
    }
    if (number("num_outputs") != entry_count(n)) {
      fail_node(n, fmt::format("num_outputs is {} but node_row_ptr gives {} outputs",
                               attr("num_outputs"), entry_count(n)));
    }
    const std::string& flatten = node.attrs.count("flatten_data") ? attr("flatten_data") : "0";
    if (flatten != "0" && flatten != "1") {
      fail_node(n, fmt::format("flatten_data = \"{}\" (expected \"0\" or \"1\")", flatten));
    }
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const mlf::GraphEntry& in = node.inputs[i];
      if (in[0] >= n || in[1] >= entry_count(in[0])) {
        fail_node(n, fmt::format("input {} refers to node {} output {}, which does not exist "
                                 "before this node",
                                 i, in[0], in[1]));
      }
    }
  }

  void plan_storage() {
    std::set<uint32_t> head_entries;
    for (const mlf::GraphEntry& h : graph_.heads)
      head_entries.insert(graph_.entry_id(h[0], h[1]));
    for (uint32_t e = 0; e < entries_.size(); ++e) {
      Storage& s = storage_[entries_[e].sid];
      s.bytes = std::max(s.bytes, entries_[e].bytes);
      s.entries.push_back(e);
    }
    for (auto& [sid, s] : storage_) {
      if (s.entries.size() == 1 && !head_entries.count(s.entries[0])) {
        uint32_t n = entries_[s.entries[0]].node;
        if (roles_[n] == NodeRole::kParam) s.param_in_place = node_param_[n];
      }
    }
  }

  std::string data_ref(uint32_t e) const {
    const Storage& s = storage_.at(entries_[e].sid);
    if (s.param_in_place >= 0) return fmt::format("(void*)utvm_graph_param{}", s.param_in_place);
    return fmt::format("utvm_graph_sid{}", entries_[e].sid);
  }

  // The C file, one emitter per part in file order; each appends to out_.
  std::string emit() {
    size_t param_bytes = 0;
    for (const mlf::Param& p : params_)
      param_bytes += p.data.size();
    out_.reserve(16384 + param_bytes * 6 + param_bytes / 16 * 5);  // see append_byte_initialiser
    with_arena_ = module_.needs_workspace_allocator || options_.workspace_size_bytes;
    emit_preamble();
    emit_params();
    emit_storage();
    emit_input_buffers();
    emit_shapes();
    emit_tensor_tables();
    emit_kernel_declarations();
    emit_kernel_args();
    emit_call_helper();
    emit_run();
    emit_model_struct();
    return std::move(out_);
  }

  // The header comment, the includes, the alignment macro and the module's own arena.
  void emit_preamble() {
    out_ += fmt::format(
        "/* utvm static graph executor for TVM module \"{}\", lowered from {}.\n"
        " * Generated by utvm at create-project time; do not edit. */\n",
        detail::c_comment_text(module_.name),
        detail::c_comment_text(module_.files.graph_json.value_or("the graph JSON")));
    out_ += "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n";
    out_ += "#include \"tvm/runtime/c_runtime_api.h\"\n#include \"utvm/model.h\"\n";
    if (with_arena_) out_ += "#include \"utvm/workspace.h\"\n";
    out_ += '\n';
    out_ += detail::kAlignMacro;
    if (with_arena_ && unit_.shared_arena.empty()) {
      const uint64_t arena = options_.workspace_size_bytes
                                 ? align_up(*options_.workspace_size_bytes, 16)
                                 : default_arena_bytes(module_.workspace_size_bytes);
      out_ += "\n/* Workspace arena for kernel scratch (TVMBackendAllocWorkspace). */\n";
      out_ += fmt::format("static uint8_t utvm_graph_arena[{}] UTVM_GLUE_ALIGNED;\n", arena);
    }
  }

  // Params used anywhere (in place or copied), as byte initialisers.
  void emit_params() {
    out_ += "\n/* Parameters (little-endian element bytes from the params file). */\n";
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] != NodeRole::kParam) continue;
      const mlf::Param& p = params_[node_param_[n]];
      out_ += fmt::format(
          "static const uint8_t utvm_graph_param{}[{}] UTVM_GLUE_ALIGNED = {{  /* {} */\n",
          node_param_[n], std::max<size_t>(p.data.size(), 1), detail::c_comment_text(p.name));
      if (p.data.empty()) {
        out_ += "    0,\n";
      } else {
        detail::append_byte_initialiser(out_, reinterpret_cast<const uint8_t*>(p.data.data()),
                                        p.data.size(), "    ");
      }
      out_ += "};\n";
    }
  }

  // One buffer per storage id that is not a param used in place.
  void emit_storage() {
    out_ += "\n/* Storage: one buffer per storage id, sized by its largest entry. */\n";
    for (const auto& [sid, s] : storage_) {
      if (s.param_in_place >= 0) continue;
      out_ += fmt::format("static uint8_t utvm_graph_sid{}[{}] UTVM_GLUE_ALIGNED;\n", sid,
                          align_up(std::max<uint64_t>(s.bytes, 1), 16));
    }
  }

  // Inputs whose storage is shared get their own buffer, copied in at run start, so that
  // running twice without resetting the inputs gives the same result.
  void emit_input_buffers() {
    input_data_.assign(input_nodes_.size(), {});
    out_ += "\n/* Inputs and outputs. */\n";
    for (size_t i = 0; i < input_nodes_.size(); ++i) {
      uint32_t e = graph_.node_row_ptr[input_nodes_[i]];
      if (storage_.at(entries_[e].sid).entries.size() == 1) {
        input_data_[i] = data_ref(e);
      } else {
        input_data_[i] = fmt::format("utvm_graph_in{}", i);
        out_ += fmt::format("static uint8_t utvm_graph_in{}[{}] UTVM_GLUE_ALIGNED;\n", i,
                            std::max<uint64_t>(entries_[e].bytes, 1));
      }
    }
  }

  // Shape arrays for the entries something points at (strict C warns about unused statics).
  void emit_shapes() {
    std::set<uint32_t> shaped;
    for (uint32_t n : input_nodes_)
      shaped.insert(graph_.node_row_ptr[n]);
    for (const mlf::GraphEntry& h : graph_.heads)
      shaped.insert(graph_.entry_id(h[0], h[1]));
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] != NodeRole::kOp || flattens(n)) continue;
      for (const mlf::GraphEntry& in : graph_.nodes[n].inputs) {
        shaped.insert(graph_.entry_id(in[0], in[1]));
      }
      for (uint32_t k = 0; k < entry_count(n); ++k)
        shaped.insert(graph_.entry_id(n, k));
    }
    for (uint32_t e : shaped) {
      out_ +=
          fmt::format("static int64_t utvm_graph_shape{}[{}] = {};\n", e,
                      std::max<size_t>(graph_.shape[e].size(), 1), c_int64_list(graph_.shape[e]));
    }
  }

  std::string tensor_row(const std::string& name, uint32_t e, const std::string& data) const {
    const Entry& en = entries_[e];
    return fmt::format(
        "    {{.name = {}, .dtype_code = {}, .dtype_bits = {}, .dtype_lanes = {}, .ndim = {}, "
        ".shape = utvm_graph_shape{}, .data = {}, .nbytes = {}u}},\n",
        c_string_literal(name), en.dtype.code, en.dtype.bits, en.dtype.lanes,
        graph_.shape[e].size(), e, data, en.bytes);
  }

  // The utvm_tensor_t tables of the inputs and the outputs (the graph's heads).
  void emit_tensor_tables() {
    if (!input_nodes_.empty()) {
      out_ += fmt::format("static utvm_tensor_t utvm_graph_inputs[{}] = {{\n", input_nodes_.size());
      for (size_t i = 0; i < input_nodes_.size(); ++i) {
        out_ += tensor_row(graph_.nodes[input_nodes_[i]].name, graph_.node_row_ptr[input_nodes_[i]],
                           input_data_[i]);
      }
      out_ += "};\n";
    }
    if (!graph_.heads.empty()) {
      out_ +=
          fmt::format("static utvm_tensor_t utvm_graph_outputs[{}] = {{\n", graph_.heads.size());
      for (size_t h = 0; h < graph_.heads.size(); ++h) {
        uint32_t e = graph_.entry_id(graph_.heads[h][0], graph_.heads[h][1]);
        std::string name = module_.outputs.size() == graph_.heads.size() ? module_.outputs[h].name
                           : graph_.heads.size() == 1                    ? std::string("output")
                                                      : fmt::format("output{}", h);
        out_ += tensor_row(name, e, data_ref(e));
      }
      out_ += "};\n";
    }
  }

  // One prototype per kernel function.
  void emit_kernel_declarations() {
    out_ += "\n/* Kernels (TVM packed-function signature). */\n";
    std::set<std::string> declared;
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] != NodeRole::kOp) continue;
      const std::string& func = graph_.nodes[n].attrs.at("func_name");
      if (declared.insert(func).second) {
        out_ += fmt::format(
            "int32_t {}(void* args, int32_t* arg_type_ids, int32_t num_args, void* out_ret_value, "
            "int32_t* out_ret_tcode, void* resource_handle);\n",
            func);
      }
    }
  }

  // Every kernel call's DLTensor arguments in one table (and flattened shapes where a node
  // flattens); records the calls for emit_run().
  void emit_kernel_args() {
    out_ += "\n/* Kernel arguments, in call order: inputs then outputs of each node. */\n";
    std::string table;
    size_t total = 0;
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] != NodeRole::kOp) continue;
      const mlf::GraphNode& node = graph_.nodes[n];
      const bool flatten = flattens(n);
      std::vector<uint32_t> args;
      for (const mlf::GraphEntry& in : node.inputs)
        args.push_back(graph_.entry_id(in[0], in[1]));
      for (uint32_t k = 0; k < entry_count(n); ++k)
        args.push_back(graph_.entry_id(n, k));
      calls_.push_back(Call{n, total, args.size()});
      for (uint32_t e : args) {
        const Entry& en = entries_[e];
        std::string shape = fmt::format("utvm_graph_shape{}", e);
        size_t ndim = graph_.shape[e].size();
        if (flatten) {
          std::string flat = fmt::format("utvm_graph_flat{}", e);
          if (flat_declared_.insert(e).second) {
            uint64_t count = 1;
            for (int64_t d : graph_.shape[e])
              count *= static_cast<uint64_t>(d);
            out_ += fmt::format("static int64_t {}[1] = {{{}}};\n", flat, count);
          }
          shape = flat;
          ndim = 1;
        }
        table += fmt::format(
            "    {{.data = {}, .device = {{kDLCPU, 0}}, .ndim = {}, .dtype = {{{}, {}, {}}}, "
            ".shape = {}, .strides = NULL, .byte_offset = 0}},  /* node {} entry {} */\n",
            data_ref(e), ndim, en.dtype.code, en.dtype.bits, en.dtype.lanes, shape, n, e);
      }
      total += args.size();
      max_args_ = std::max(max_args_, args.size());
    }
    if (total > 0) {
      out_ += fmt::format("static DLTensor utvm_graph_args[{}] = {{\n{}}};\n", total, table);
    }
  }

  // utvm_graph_call: one kernel call through TVM's packed signature.
  void emit_call_helper() {
    out_ +=
        "\ntypedef int32_t (*utvm_graph_kernel_t)(void*, int32_t*, int32_t, void*, int32_t*, "
        "void*);\n\n";
    out_ +=
        "static int32_t utvm_graph_call(utvm_graph_kernel_t kernel, DLTensor* args, "
        "int32_t num_args) {\n";
    out_ +=
        fmt::format("  TVMValue values[{}];\n  int32_t type_codes[{}];\n", max_args_, max_args_);
    out_ += "  TVMValue ret_value;\n  int32_t ret_type_code = 0;\n  int32_t i;\n";
    out_ += "  for (i = 0; i < num_args; ++i) {\n    values[i].v_handle = &args[i];\n";
    out_ += "    type_codes[i] = kTVMDLTensorHandle;\n  }\n  ret_value.v_int64 = 0;\n";
    out_ += "  return kernel(values, type_codes, num_args, &ret_value, &ret_type_code, NULL);\n}\n";
  }

  // utvm_graph_run: reset the arena, copy params and shared inputs in, call every kernel.
  void emit_run() {
    out_ += "\nstatic int32_t utvm_graph_run(void) {\n  int32_t rc = 0;\n";
    if (with_arena_) {
      const std::string arena =
          unit_.shared_arena.empty() ? "utvm_graph_arena" : unit_.shared_arena;
      out_ += fmt::format("  utvm_workspace_init({0}, sizeof({0}));\n", arena);
    }
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      if (roles_[n] != NodeRole::kParam) continue;
      uint32_t e = graph_.node_row_ptr[n];
      if (storage_.at(entries_[e].sid).param_in_place >= 0) continue;
      out_ += fmt::format("  memcpy(utvm_graph_sid{}, utvm_graph_param{}, {});\n", entries_[e].sid,
                          node_param_[n], entries_[e].bytes);
    }
    for (size_t i = 0; i < input_nodes_.size(); ++i) {
      uint32_t e = graph_.node_row_ptr[input_nodes_[i]];
      if (input_data_[i] == data_ref(e)) continue;
      out_ +=
          fmt::format("  memcpy({}, {}, {});\n", data_ref(e), input_data_[i], entries_[e].bytes);
    }
    for (const Call& c : calls_) {
      out_ += fmt::format(
          "  rc = utvm_graph_call({}, &utvm_graph_args[{}], {});  /* node {} */\n"
          "  if (rc != 0) return rc;\n",
          graph_.nodes[c.node].attrs.at("func_name"), c.first, c.count, c.node);
    }
    out_ += "  return rc;\n}\n";
  }

  // The module's utvm_model_t.
  void emit_model_struct() {
    out_ += fmt::format(
        "\nstatic const utvm_model_t utvm_graph_model = {{\n    .name = {},\n    .build_id = {},\n"
        "    .num_inputs = {},\n    .num_outputs = {},\n    .inputs = {},\n    .outputs = {},\n"
        "    .run = utvm_graph_run,\n}};\n",
        c_string_literal(module_.name), c_string_literal(options_.build_id), input_nodes_.size(),
        graph_.heads.size(), input_nodes_.empty() ? "NULL" : "utvm_graph_inputs",
        graph_.heads.empty() ? "NULL" : "utvm_graph_outputs");
  }

  const mlf::Module& module_;
  const mlf::Graph& graph_;
  const std::vector<mlf::Param>& params_;
  const GraphOptions& options_;
  const detail::UnitNames& unit_;
  std::string file_;
  std::vector<Entry> entries_;
  std::vector<NodeRole> roles_;
  std::vector<int> node_param_;
  std::vector<uint32_t> input_nodes_;
  std::map<int64_t, Storage> storage_;
  std::set<uint32_t> flat_declared_;

  // What the emitters share.
  struct Call {  // one kernel call: its node and its arguments in utvm_graph_args
    uint32_t node;
    size_t first;
    size_t count;
  };
  std::string out_;
  bool with_arena_ = false;
  std::vector<std::string> input_data_;  // each input's buffer expression
  std::vector<Call> calls_;
  size_t max_args_ = 1;
};

}  // namespace

std::string generate_graph_executor_c(const mlf::Module& module, const mlf::Graph& graph,
                                      const std::vector<mlf::Param>& params,
                                      const GraphOptions& options) {
  return Lowering(module, graph, params, options, {}).run() +
         detail::model_table({"utvm_graph_model"});
}

std::string generate_graph_executor_c(const mlf::Archive& archive, const mlf::Module& module,
                                      const GraphOptions& options) {
  return detail::graph_unit(archive, module, options, {}) +
         detail::model_table({"utvm_graph_model"});
}

std::string detail::graph_unit(const mlf::Archive& archive, const mlf::Module& module,
                               const GraphOptions& options, const UnitNames& unit) {
  if (!module.files.graph_json) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: module \"{}\" has no graph JSON (not a graph-executor module)",
                            archive.name(), module.name));
  }
  const std::string* graph_text = archive.find(*module.files.graph_json);
  if (!graph_text) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: {} is missing", archive.name(), *module.files.graph_json));
  }
  std::string graph_name = archive.name() + ": " + *module.files.graph_json;
  mlf::Graph graph = mlf::parse_graph_json(*graph_text, graph_name);
  std::vector<mlf::Param> params;
  if (module.files.params) {
    if (const std::string* blob = archive.find(*module.files.params)) {
      params = mlf::parse_params(*blob, archive.name() + ": " + *module.files.params);
    }
  }
  GraphOptions opts = options;
  if (opts.graph_file_name.empty()) opts.graph_file_name = graph_name;
  return Lowering(module, graph, params, opts, unit).run();
}

}  // namespace utvm::codegen
