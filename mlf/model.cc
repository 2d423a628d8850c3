// metadata.json (versions 1-7) + generated files -> normalised Model (see model.h).
#include "utvm/mlf/model.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "scan.h"
#include "utvm/common/error.h"

namespace utvm::mlf {
namespace {

using nlohmann::json;

constexpr int kMaxMetadataVersion = 7;

class Loader {
 public:
  Loader(const Archive& archive, std::string name) : archive_(archive), name_(std::move(name)) {}

  [[noreturn]] void fail(std::string_view member, std::string_view what) const {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}: {}", name_, member, what));
  }

  Model load() {
    const std::string* meta = archive_.find("metadata.json");
    if (meta == nullptr) {
      fail("metadata.json", "missing (this is not a Model Library Format archive)");
    }
    json doc;
    try {
      doc = json::parse(*meta);
    } catch (const json::parse_error& e) {
      fail("metadata.json", fmt::format("not valid JSON at byte {}", e.byte));
    } catch (const json::exception& e) {  // e.g. out_of_range: a number too large
      fail("metadata.json", fmt::format("not valid JSON: {}", e.what()));
    }
    if (!doc.is_object()) fail("metadata.json", "expected a JSON object");
    auto v = doc.find("version");
    if (v == doc.end()) fail("metadata.json", "no \"version\" key");
    if (!v->is_number_integer()) fail("metadata.json", "\"version\" is not an integer");
    std::int64_t version = v->get<std::int64_t>();
    if (version < 1 || version > kMaxMetadataVersion) {
      fail("metadata.json", fmt::format("unsupported metadata version {} (supported: 1-{})",
                                        version, kMaxMetadataVersion));
    }
    Model model;
    model.metadata_version = static_cast<int>(version);
    std::vector<std::pair<std::string, const json*>> mods;
    auto m = doc.find("modules");
    if (version == 7 && m != doc.end()) {
      if (!m->is_object()) fail("metadata.json", "\"modules\" is not an object");
      for (const auto& [k, val] : m->items())
        mods.emplace_back(k, &val);
    } else {
      std::string mod_name = "default";
      if (auto n = doc.find("model_name"); n != doc.end()) {
        if (!n->is_string()) fail("metadata.json", "\"model_name\" is not a string");
        mod_name = n->get<std::string>();
      }
      mods.emplace_back(mod_name, &doc);
    }
    if (mods.empty()) fail("metadata.json", "no modules");
    model.export_datetime = optional_string(doc, "export_datetime", "export_datetime");
    model.tvm_version = tvm_version(doc, "");
    for (const auto& [mod_name, obj] : mods) {
      if (!obj->is_object())
        fail("metadata.json", fmt::format("module '{}' is not an object", mod_name));
      if (!model.export_datetime) {
        model.export_datetime =
            optional_string(*obj, "export_datetime", "modules." + mod_name + ".export_datetime");
      }
      if (!model.tvm_version) model.tvm_version = tvm_version(*obj, "modules." + mod_name + ".");
      model.modules.push_back(load_module(mod_name, *obj, &*obj != &doc));
    }
    return model;
  }

 private:
  std::optional<std::string> optional_string(const json& obj, const char* key,
                                             std::string_view field) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) fail("metadata.json", fmt::format("{} is not a string", field));
    return it->get<std::string>();
  }

  std::optional<std::string> tvm_version(const json& obj, const std::string& where) const {
    auto deps = obj.find("external_dependencies");
    if (deps == obj.end() || !deps->is_array()) return std::nullopt;
    for (const json& d : *deps) {
      if (!d.is_object()) continue;
      auto sn = d.find("short_name");
      auto vs = d.find("version_spec");
      if (sn != d.end() && sn->is_string() && *sn == "tvm_standalone_crt" && vs != d.end() &&
          vs->is_string()) {
        return vs->get<std::string>();
      }
    }
    (void)where;
    return std::nullopt;
  }

  std::uint64_t size_field(const json& obj, const char* key, const std::string& field) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return 0;
    if (!it->is_number_integer() ||
        (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0)) {
      fail("metadata.json", fmt::format("{}.{} is not a non-negative integer", field, key));
    }
    return it->get<std::uint64_t>();
  }

  // name -> {dtype, size} objects of v7 memory.functions.main[*].inputs / outputs.
  std::vector<TensorInfo> meta_tensors(const json& main, const char* key,
                                       const std::string& field) const {
    std::vector<TensorInfo> out;
    auto it = main.find(key);
    if (it == main.end() || it->is_null()) return out;
    if (!it->is_object()) fail("metadata.json", fmt::format("{}.{} is not an object", field, key));
    for (const auto& [name, t] : it->items()) {
      std::string f = fmt::format("{}.{}.{}", field, key, name);
      if (!t.is_object()) fail("metadata.json", f + " is not an object");
      TensorInfo info;
      info.name = name;
      info.c_name = sanitize_name(name);
      auto dt = t.find("dtype");
      if (dt == t.end() || !dt->is_string()) fail("metadata.json", f + ".dtype missing");
      info.dtype = dt->get<std::string>();
      check_dtype(info.dtype, f + ".dtype");
      info.bytes = size_field(t, "size", f);
      out.push_back(std::move(info));
    }
    return out;
  }

  void check_dtype(const std::string& dtype, const std::string& field) const {
    try {
      dtype_bytes(dtype);
    } catch (const Error& e) {
      fail("metadata.json", fmt::format("{}: {}", field, e.what()));
    }
  }

  static bool has_source_ext(const std::string& name) {
    for (const char* ext : {".c", ".cc", ".cpp"}) {
      std::string_view e(ext);
      if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
        return true;
      }
    }
    return false;
  }

  std::vector<std::string> module_files(std::string_view dir, const std::string& mod, bool single,
                                        bool sources) const {
    std::vector<std::string> out;
    for (const std::string& path : archive_.list(dir)) {
      std::string base = path.substr(path.rfind('/') + 1);
      bool ok = sources ? has_source_ext(base) : base.size() > 2 && base.ends_with(".o");
      if (!ok) continue;
      if (single || base.starts_with(mod + "_lib") || base.starts_with(mod + "_")) {
        out.push_back(path);
      }
    }
    return out;
  }

  std::optional<std::string> first_existing(std::initializer_list<std::string> names) const {
    for (const auto& n : names) {
      if (archive_.find(n)) return n;
    }
    return std::nullopt;
  }

  Module load_module(const std::string& mod_name, const json& obj, bool nested) {
    const std::string field = nested ? "modules." + mod_name : std::string("(top level)");
    Module mod;
    mod.name = mod_name;
    if (mod.name.empty() || mod.name.find('/') != std::string::npos ||
        mod.name.find("..") != std::string::npos || mod.name.find('\\') != std::string::npos) {
      fail("metadata.json", fmt::format("module name '{}' is not usable", mod.name));
    }
    // Executor: "executors" (v5+) or "runtimes" (v1-v4); accept either.
    const json* execs = nullptr;
    for (const char* key : {"executors", "runtimes"}) {
      if (auto it = obj.find(key); it != obj.end()) {
        execs = &*it;
        break;
      }
    }
    if (execs == nullptr || !execs->is_array() || execs->empty()) {
      fail("metadata.json",
           fmt::format("module '{}' has no executor (\"executors\" missing or empty; "
                       "operator-style exports are not supported)",
                       mod_name));
    }
    const json& e0 = (*execs)[0];
    if (!e0.is_string()) fail("metadata.json", fmt::format("module '{}': bad executor", mod_name));
    if (e0 == "aot") {
      mod.executor = Executor::kAot;
    } else if (e0 == "graph") {
      mod.executor = Executor::kGraph;
    } else {
      fail("metadata.json",
           fmt::format("module '{}': unknown executor '{}'", mod_name, e0.get<std::string>()));
    }
    if (auto s = optional_string(obj, "style", field + ".style")) mod.style = *s;
    if (auto t = obj.find("target"); t != obj.end()) {
      if (t->is_string()) {
        mod.targets.push_back(t->get<std::string>());
      } else if (t->is_array() || t->is_object()) {
        for (const auto& [k, val] : t->items()) {  // objects iterate in key order
          if (!val.is_string()) fail("metadata.json", field + ".target: expected strings");
          mod.targets.push_back(val.get<std::string>());
        }
      } else {
        fail("metadata.json", field + ".target: expected a list or an object");
      }
    }
    // Memory.
    std::vector<TensorInfo> meta_inputs, meta_outputs;
    if (auto mem = obj.find("memory"); mem != obj.end() && mem->is_object()) {
      auto fns = mem->find("functions");
      if (fns != mem->end()) {
        if (!fns->is_object()) fail("metadata.json", field + ".memory.functions: not an object");
        if (auto main = fns->find("main"); main != fns->end()) {
          if (!main->is_array())
            fail("metadata.json", field + ".memory.functions.main: not a list");
          const json* chosen = nullptr;
          for (const json& entry : *main) {
            if (!entry.is_object())
              fail("metadata.json", field + ".memory.functions.main: bad entry");
            auto dev = entry.find("device");
            if (chosen == nullptr || (dev != entry.end() && *dev == 1)) chosen = &entry;
          }
          if (chosen != nullptr) {
            std::string f = field + ".memory.functions.main";
            mod.workspace_size_bytes = size_field(*chosen, "workspace_size_bytes", f);
            mod.constants_size_bytes = size_field(*chosen, "constants_size_bytes", f);
            mod.io_size_bytes = size_field(*chosen, "io_size_bytes", f);
            meta_inputs = meta_tensors(*chosen, "inputs", f);
            meta_outputs = meta_tensors(*chosen, "outputs", f);
          }
        }
        if (auto ops = fns->find("operator_functions"); ops != fns->end() && ops->is_array()) {
          for (const json& op : *ops) {
            if (!op.is_object()) continue;
            auto fn = op.find("function_name");
            if (fn != op.end() && fn->is_string()) mod.operator_functions.push_back(*fn);
          }
        }
      }
    } else if (mem != obj.end() && !mem->is_array() && !mem->is_null()) {
      fail("metadata.json", field + ".memory: expected an object or a list");
    }

    // Files.
    const std::string prefix = mod.symbol_prefix();
    const bool single = single_module_;
    mod.files.sources = module_files("codegen/host/src", mod_name, single, true);
    mod.files.objects = module_files("codegen/host/lib", mod_name, single, false);
    mod.files.header = first_existing({"codegen/host/include/" + prefix + ".h"});
    mod.files.params = first_existing({"parameters/" + mod_name + ".params"});
    mod.files.graph_json =
        first_existing({"executor-config/graph/" + mod_name + ".graph",
                        "executor-config/graph/graph.json", "runtime-config/graph/graph.json"});
    mod.files.relay = first_existing({"src/" + mod_name + ".relay", "src/relay.txt", "relay.txt"});

    // Parameters (validated whenever present).
    std::vector<Param> params;
    if (mod.files.params)
      params = parse_params(*archive_.find(*mod.files.params), where(*mod.files.params));

    // Code facts.
    std::vector<const std::string*> srcs;
    for (const auto& s : mod.files.sources)
      srcs.push_back(archive_.find(s));
    auto any_source = [&](auto&& pred) {
      return std::any_of(srcs.begin(), srcs.end(), [&](const std::string* s) { return pred(*s); });
    };
    std::vector<const std::string*> objs;
    for (const auto& o : mod.files.objects)
      objs.push_back(archive_.find(o));
    auto object_has_symbol = [&](const std::string& sym) {
      std::string needle = '\0' + sym + '\0';
      return std::any_of(objs.begin(), objs.end(), [&](const std::string* o) {
        return o->find(needle) != std::string::npos;
      });
    };
    mod.needs_workspace_allocator =
        any_source([](const std::string& s) {
          return detail::contains_identifier(s, "TVMBackendAllocWorkspace");
        }) ||
        object_has_symbol("TVMBackendAllocWorkspace");
    mod.static_memory_plan = mod.executor == Executor::kAot && !mod.needs_workspace_allocator;
    mod.system_lib = any_source([](const std::string& s) {
                       return detail::find_definition(s, "TVMSystemLibEntryPoint").has_value();
                     }) ||
                     object_has_symbol("TVMSystemLibEntryPoint");
    {
      std::vector<std::pair<std::string, const std::string*>> code;
      for (std::size_t i = 0; i < srcs.size(); ++i)
        code.emplace_back(mod.files.sources[i], srcs[i]);
      if (mod.files.header) code.emplace_back(*mod.files.header, archive_.find(*mod.files.header));
      mod.cmsis = scan_cmsis_use(code);
    }

    detail::HeaderInfo header;
    if (mod.files.header) header = detail::scan_header(*archive_.find(*mod.files.header), prefix);

    std::optional<detail::RelayMain> relay;
    if (mod.files.relay) relay = detail::parse_relay_main(*archive_.find(*mod.files.relay));

    if (mod.executor == Executor::kGraph) {
      mod.interface = Interface::kPacked;
      mod.entry_point = {EntryPoint::Kind::kNone, ""};
      if (!mod.files.graph_json) {
        fail("executor-config/graph/" + mod_name + ".graph",
             "missing (a graph-executor module needs its graph JSON)");
      }
      Graph g =
          parse_graph_json(*archive_.find(*mod.files.graph_json), where(*mod.files.graph_json));
      graph_io(mod, g, params, meta_inputs, meta_outputs);
    } else {
      detect_entry_point(mod, srcs, header, object_has_symbol);
      std::optional<detail::CMetadata> c_metadata;
      for (const std::string* s : srcs) {
        if (!detail::contains_identifier(*s, prefix + "_get_c_metadata")) continue;
        if ((c_metadata = detail::scan_c_metadata(*s))) break;
      }
      mod.has_c_metadata = c_metadata.has_value();
      aot_io(mod, header, relay, params, meta_inputs, meta_outputs);
      if (c_metadata) apply_c_metadata(mod, *c_metadata);
    }
    if (mod.workspace_size_bytes == 0) {
      auto it = header.macros.find(upper(prefix) + "_WORKSPACE_SIZE");
      if (it != header.macros.end()) mod.workspace_size_bytes = it->second;
    }
    return mod;
  }

  std::string where(const std::string& member) const { return name_ + ": " + member; }

  static std::string upper(std::string s) {
    for (char& c : s)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  template <typename HasSymbol>
  void detect_entry_point(Module& mod, const std::vector<const std::string*>& srcs,
                          const detail::HeaderInfo& header, HasSymbol&& object_has_symbol) {
    const std::string prefix = mod.symbol_prefix();
    const std::string run = prefix + "_run";
    for (const std::string* s : srcs) {
      if (auto params = detail::find_definition(*s, run)) {
        bool c_api = params->find("struct " + prefix + "_inputs") != std::string::npos ||
                     params->find("struct " + prefix + "_outputs") != std::string::npos ||
                     params->find("struct " + prefix + "_workspace_pools") != std::string::npos;
        mod.entry_point = {c_api ? EntryPoint::Kind::kCWrapper : EntryPoint::Kind::kPackedWrapper,
                           run};
        mod.interface = c_api ? Interface::kC : Interface::kPacked;
        return;
      }
    }
    bool has_c_header = header.has_inputs_struct || header.has_outputs_struct;
    mod.interface = has_c_header ? Interface::kC : Interface::kPacked;
    if (object_has_symbol(run)) {
      mod.entry_point = {
          has_c_header ? EntryPoint::Kind::kCWrapper : EntryPoint::Kind::kPackedWrapper, run};
      return;
    }
    const std::pair<std::string, EntryPoint::Kind> inner[] = {
        {prefix + "___tvm_main__", EntryPoint::Kind::kTvmMain},
        {prefix + "_run_model", EntryPoint::Kind::kRunModel}};
    for (const auto& [sym, kind] : inner) {
      for (const std::string* s : srcs) {
        if (detail::find_definition(*s, sym)) {
          mod.entry_point = {kind, sym};
          return;
        }
      }
      if (object_has_symbol(sym)) {
        mod.entry_point = {kind, sym};
        return;
      }
    }
    mod.entry_point = {EntryPoint::Kind::kNone, ""};
  }

  static std::uint64_t shape_bytes(const std::vector<std::int64_t>& shape, const std::string& dt) {
    std::uint64_t n = 1;
    for (auto d : shape)
      n *= static_cast<std::uint64_t>(d);
    DType t = parse_dtype(dt);
    return (static_cast<std::uint64_t>(t.bits) * t.lanes * n + 7) / 8;
  }

  bool valid_dtype(const std::string& dt) const {
    try {
      dtype_bytes(dt);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  void graph_io(Module& mod, const Graph& g, const std::vector<Param>& params,
                const std::vector<TensorInfo>& meta_inputs,
                const std::vector<TensorInfo>& meta_outputs) {
    std::set<std::string> param_names;
    for (const auto& p : params)
      param_names.insert(p.name);
    const std::string gfile = *mod.files.graph_json;
    auto tensor = [&](std::uint32_t eid, const std::string& name) {
      TensorInfo t;
      t.name = name;
      t.c_name = sanitize_name(name);
      t.dtype = g.dltype[eid];
      if (!valid_dtype(t.dtype))
        fail(gfile, fmt::format("attrs.dltype[{}]: unknown dtype '{}'", eid, t.dtype));
      t.shape = g.shape[eid];
      t.bytes = shape_bytes(*t.shape, t.dtype);
      return t;
    };
    std::set<std::string> meta_in_names;
    for (const auto& m : meta_inputs)
      meta_in_names.insert(m.name);
    for (std::uint32_t nid : g.arg_nodes) {
      const std::string& name = g.nodes[nid].name;
      bool is_input;
      if (!params.empty() || mod.files.params) {
        is_input = !param_names.count(name);
      } else if (!meta_in_names.empty()) {
        is_input = meta_in_names.count(name) > 0;
      } else {
        is_input = !(name.size() > 1 && name[0] == 'p' &&
                     std::all_of(name.begin() + 1, name.end(), [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c));
                     }));
      }
      if (is_input) mod.inputs.push_back(tensor(g.entry_id(nid, 0), name));
    }
    for (std::size_t i = 0; i < g.heads.size(); ++i) {
      std::string name = g.heads.size() == 1 ? "output" : fmt::format("output{}", i);
      if (meta_outputs.size() == g.heads.size()) name = meta_outputs[i].name;
      mod.outputs.push_back(tensor(g.entry_id(g.heads[i][0], g.heads[i][1]), name));
    }
  }

  // Packed AOT (TVM >= 0.9) describes its run arguments in C (tvmgen_<mod>_get_c_metadata): the
  // shapes and dtypes there fill what metadata.json and the Relay text left open, and name the
  // tensors when nothing else does (metadata.json names win: TVM's outputs are keyed by them).
  void apply_c_metadata(Module& mod, const detail::CMetadata& meta) const {
    for (auto [list, rows] :
         {std::pair{&mod.inputs, &meta.inputs}, std::pair{&mod.outputs, &meta.outputs}}) {
      if (list->size() != rows->size()) {
        // The C metadata is positional and exact: rebuild the list in its order, keeping what
        // is known of each tensor under that name.
        std::vector<TensorInfo> rebuilt;
        for (const auto& row : *rows) {
          TensorInfo t;
          t.name = row.name;
          t.c_name = sanitize_name(row.name);
          for (const TensorInfo& known : *list) {
            if (known.c_name == t.c_name) t = known;
          }
          rebuilt.push_back(std::move(t));
        }
        *list = std::move(rebuilt);
      }
      for (std::size_t i = 0; i < list->size(); ++i) {
        TensorInfo& t = (*list)[i];
        const detail::CTensorInfo& row = (*rows)[i];
        std::string dtype;
        try {
          dtype = dtype_name(DType{static_cast<std::uint8_t>(row.dtype_code),
                                   static_cast<std::uint8_t>(row.dtype_bits),
                                   static_cast<std::uint16_t>(row.dtype_lanes)});
        } catch (const Error&) {
          continue;
        }
        if (t.dtype.empty()) t.dtype = dtype;
        if (t.dtype != dtype) continue;  // disagrees with metadata.json: trust the latter
        if (!t.shape) {
          bool ok = std::all_of(row.shape.begin(), row.shape.end(), [](auto d) { return d >= 0; });
          if (ok && (t.bytes == 0 || shape_bytes(row.shape, dtype) == t.bytes)) t.shape = row.shape;
        }
        if (t.bytes == 0 && t.shape) t.bytes = shape_bytes(*t.shape, t.dtype);
      }
    }
  }

  void aot_io(Module& mod, const detail::HeaderInfo& header,
              const std::optional<detail::RelayMain>& relay, const std::vector<Param>& params,
              const std::vector<TensorInfo>& meta_inputs,
              const std::vector<TensorInfo>& meta_outputs) {
    const std::string macro_prefix = upper(mod.symbol_prefix()) + "_";
    std::set<std::string> param_names;
    for (const auto& p : params)
      param_names.insert(p.name);
    // Relay inputs: @main parameters that are not weights.
    std::vector<const detail::RelayParam*> relay_inputs;
    if (relay) {
      for (const auto& p : relay->params) {
        bool weight = param_names.count(p.name) > 0 || p.name.starts_with("v_param_");
        if (!weight) relay_inputs.push_back(&p);
      }
    }
    auto relay_param = [&](const std::string& c_name) -> const detail::RelayParam* {
      if (!relay) return nullptr;
      for (const auto& p : relay->params) {
        if (sanitize_name(p.name) == c_name) return &p;
      }
      return nullptr;
    };
    auto from_meta = [](const std::vector<TensorInfo>& list,
                        const std::string& c_name) -> const TensorInfo* {
      for (const auto& t : list) {
        if (t.c_name == c_name) return &t;
      }
      return nullptr;
    };

    // ---- inputs
    std::vector<std::string> names;  // TVM names
    if (header.has_inputs_struct) {
      for (const auto& member : header.inputs) {
        const TensorInfo* m = from_meta(meta_inputs, member);
        const detail::RelayParam* r = relay_param(member);
        names.push_back(m ? m->name : r ? r->name : member);
      }
    } else if (!relay_inputs.empty()) {
      // Linked constants (AOT, an empty params file) stay @main parameters in the Relay text;
      // metadata.json (TVM >= 0.11) lists only the real inputs, so keep those when it has them.
      for (const auto* r : relay_inputs) {
        if (meta_inputs.empty() || from_meta(meta_inputs, sanitize_name(r->name)))
          names.push_back(r->name);
      }
      if (names.size() != meta_inputs.size() && !meta_inputs.empty()) {
        names.clear();
        for (const auto& m : meta_inputs)
          names.push_back(m.name);
      }
    } else {
      for (const auto& m : meta_inputs)
        names.push_back(m.name);
    }
    for (const auto& name : names) {
      TensorInfo t;
      t.name = name;
      t.c_name = sanitize_name(name);
      const TensorInfo* m = from_meta(meta_inputs, t.c_name);
      const detail::RelayParam* r = relay_param(t.c_name);
      if (r && r->type) {
        t.dtype = r->type->dtype;
        t.shape = r->type->shape;
      }
      if (m) t.dtype = m->dtype;
      if (m) {
        t.bytes = m->bytes;
      } else if (auto it = header.macros.find(macro_prefix + upper(t.c_name) + "_SIZE");
                 it != header.macros.end()) {
        t.bytes = it->second;
      } else if (t.shape && valid_dtype(t.dtype)) {
        t.bytes = shape_bytes(*t.shape, t.dtype);
      }
      mod.inputs.push_back(std::move(t));
    }

    // ---- outputs
    names.clear();
    if (header.has_outputs_struct) {
      for (const auto& member : header.outputs) {
        const TensorInfo* m = from_meta(meta_outputs, member);
        names.push_back(m ? m->name : member);
      }
    } else if (!meta_outputs.empty()) {
      for (const auto& m : meta_outputs)
        names.push_back(m.name);
    } else if (relay && !relay->output_tensor_names.empty()) {
      names = relay->output_tensor_names;
    } else {
      std::size_t n = relay && relay->result ? relay->result->size() : 1;
      for (std::size_t i = 0; i < n; ++i) {
        names.push_back(n == 1 ? std::string("output") : fmt::format("output{}", i));
      }
    }
    std::uint64_t input_bytes = 0;
    for (const auto& t : mod.inputs)
      input_bytes += t.bytes;
    for (std::size_t i = 0; i < names.size(); ++i) {
      TensorInfo t;
      t.name = names[i];
      t.c_name = sanitize_name(names[i]);
      const TensorInfo* m = from_meta(meta_outputs, t.c_name);
      if (relay && relay->result && relay->result->size() == names.size()) {
        t.dtype = (*relay->result)[i].dtype;
        t.shape = (*relay->result)[i].shape;
      }
      if (m) t.dtype = m->dtype;
      if (t.dtype.empty() && names.size() == 1 && relay && relay->last_out_dtype) {
        t.dtype = *relay->last_out_dtype;
      }
      if (t.dtype.empty() && !mod.inputs.empty()) t.dtype = mod.inputs[0].dtype;  // best guess
      if (m) {
        t.bytes = m->bytes;
      } else if (auto it = header.macros.find(macro_prefix + upper(t.c_name) + "_SIZE");
                 it != header.macros.end()) {
        t.bytes = it->second;
      } else if (t.shape && valid_dtype(t.dtype)) {
        t.bytes = shape_bytes(*t.shape, t.dtype);
      } else if (names.size() == 1 && mod.io_size_bytes >= input_bytes) {
        t.bytes = mod.io_size_bytes - input_bytes;
      }
      mod.outputs.push_back(std::move(t));
    }
    for (const auto& list : {&mod.inputs, &mod.outputs}) {
      for (const auto& t : *list) {
        if (!t.dtype.empty() && !valid_dtype(t.dtype)) {
          fail(mod.files.relay.value_or("metadata.json"),
               fmt::format("tensor '{}': unknown dtype '{}'", t.name, t.dtype));
        }
      }
    }
  }

 public:
  bool single_module_ = true;

 private:
  const Archive& archive_;
  std::string name_;
};

}  // namespace

std::string sanitize_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

std::string symbol_prefix(std::string_view module_name) {
  std::string out = "tvmgen_" + sanitize_name(module_name);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Module::symbol_prefix() const {
  return mlf::symbol_prefix(name);
}

Model load_model(const Archive& archive, const std::string& archive_name_for_errors) {
  Loader loader(archive, archive_name_for_errors);
  // Multi-module v7 archives share codegen/host/src: only then filter sources by module prefix.
  if (const std::string* meta = archive.find("metadata.json")) {
    json doc;
    try {
      doc = json::parse(*meta, nullptr, false);
    } catch (const json::exception&) {
      // Reported with context by Loader::load().
    }
    if (doc.is_object()) {
      auto m = doc.find("modules");
      if (m != doc.end() && m->is_object() && m->size() > 1) loader.single_module_ = false;
    }
  }
  return loader.load();
}

Model load_model(const std::filesystem::path& tar, const ArchiveLimits& limits) {
  Archive archive = Archive::read(tar, limits);
  return load_model(archive, tar.string());
}

const char* to_string(Executor executor) {
  return executor == Executor::kAot ? "aot" : "graph";
}

const char* to_string(Interface interface) {
  return interface == Interface::kC ? "c" : "packed";
}

const char* to_string(EntryPoint::Kind kind) {
  switch (kind) {
    case EntryPoint::Kind::kCWrapper:
      return "c_wrapper";
    case EntryPoint::Kind::kPackedWrapper:
      return "packed_wrapper";
    case EntryPoint::Kind::kRunModel:
      return "run_model";
    case EntryPoint::Kind::kTvmMain:
      return "tvm_main";
    case EntryPoint::Kind::kNone:
      break;
  }
  return "none";
}

}  // namespace utvm::mlf
