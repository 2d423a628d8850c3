// Graph-executor JSON: parse with nlohmann, then check every index the CRT would follow.
#include "utvm/mlf/graph.h"

#include <fmt/core.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "utvm/common/error.h"

namespace utvm::mlf {
namespace {

using nlohmann::json;

class Checker {
 public:
  explicit Checker(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}: {}", file_, field, what));
  }

  const json& member(const json& obj, const char* key, std::string_view field) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(field, fmt::format("missing \"{}\"", key));
    return *it;
  }
  const json& array(const json& v, std::string_view field) const {
    if (!v.is_array()) fail(field, "expected an array");
    return v;
  }
  std::uint32_t u32(const json& v, std::string_view field) const {
    if (!v.is_number_integer()) fail(field, "expected a non-negative integer");
    if (v.is_number_unsigned()) {
      auto x = v.get<std::uint64_t>();
      if (x > std::numeric_limits<std::uint32_t>::max()) fail(field, "integer too large");
      return static_cast<std::uint32_t>(x);
    }
    auto x = v.get<std::int64_t>();
    if (x < 0 || x > std::numeric_limits<std::uint32_t>::max()) {
      fail(field, "expected a non-negative integer");
    }
    return static_cast<std::uint32_t>(x);
  }
  std::int64_t i64(const json& v, std::string_view field) const {
    if (!v.is_number_integer()) fail(field, "expected an integer");
    if (v.is_number_unsigned() &&
        v.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(field, "integer too large");
    }
    return v.get<std::int64_t>();
  }
  GraphEntry entry(const json& v, std::string_view field) const {
    if (!v.is_array() || v.size() < 2 || v.size() > 3) {
      fail(field, "expected [node_id, index, version]");
    }
    GraphEntry e{u32(v[0], field), u32(v[1], field), 0};
    if (v.size() == 3) e[2] = u32(v[2], field);
    return e;
  }
  // attrs.<key> = ["<tag>", [...]]
  const json& typed_list(const json& attrs, const char* key, const char* tag) const {
    std::string field = fmt::format("attrs.{}", key);
    const json& v = member(attrs, key, "attrs");
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_array()) {
      fail(field, fmt::format("expected [\"{}\", [...]]", tag));
    }
    if (v[0].get_ref<const std::string&>() != tag) {
      fail(field, fmt::format("tag is \"{}\", expected \"{}\"", v[0].get<std::string>(), tag));
    }
    return v[1];
  }

 private:
  std::string_view file_;
};

}  // namespace

Graph parse_graph_json(std::string_view text, std::string_view file_name) {
  Checker c(file_name);
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: not valid JSON at byte {}: {}", file_name, e.byte, e.what()));
  } catch (const json::exception& e) {  // e.g. out_of_range: a number too large
    throw Error(ExitCode::kBadInput, fmt::format("{}: not valid JSON: {}", file_name, e.what()));
  }
  if (!doc.is_object()) c.fail("(top level)", "expected a JSON object");
  Graph g;
  const json& nodes = c.array(c.member(doc, "nodes", "(top level)"), "nodes");
  if (nodes.empty()) c.fail("nodes", "empty");
  g.nodes.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::string field = fmt::format("nodes[{}]", i);
    const json& n = nodes[i];
    if (!n.is_object()) c.fail(field, "expected an object");
    GraphNode node;
    const json& op = c.member(n, "op", field);
    const json& name = c.member(n, "name", field);
    if (!op.is_string()) c.fail(field + ".op", "expected a string");
    if (!name.is_string()) c.fail(field + ".name", "expected a string");
    node.op = op.get<std::string>();
    node.name = name.get<std::string>();
    if (auto it = n.find("attrs"); it != n.end()) {
      if (!it->is_object()) c.fail(field + ".attrs", "expected an object");
      for (const auto& [k, v] : it->items()) {
        // Strings as TVM writes them; plain scalars tolerated. Nested values are refused (and
        // never dumped: dump() recurses, so a deeply nested value could exhaust the stack).
        if (v.is_string()) {
          node.attrs[k] = v.get<std::string>();
        } else if (v.is_number() || v.is_boolean()) {
          node.attrs[k] = v.dump();
        } else {
          c.fail(field + ".attrs." + k, "expected a string");
        }
      }
    }
    const json& inputs = c.array(c.member(n, "inputs", field), field + ".inputs");
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      node.inputs.push_back(c.entry(inputs[j], fmt::format("{}.inputs[{}]", field, j)));
    }
    if (node.op == "tvm_op") {
      for (const char* key : {"func_name", "num_inputs", "num_outputs", "flatten_data"}) {
        if (!node.attrs.count(key)) c.fail(field + ".attrs", fmt::format("missing \"{}\"", key));
      }
    } else if (node.op != "null") {
      c.fail(field + ".op", fmt::format("unsupported op \"{}\"", node.op));
    }
    g.nodes.push_back(std::move(node));
  }
  const std::size_t n_nodes = g.nodes.size();

  const json& arg_nodes = c.array(c.member(doc, "arg_nodes", "(top level)"), "arg_nodes");
  for (std::size_t i = 0; i < arg_nodes.size(); ++i) {
    std::string field = fmt::format("arg_nodes[{}]", i);
    std::uint32_t id = c.u32(arg_nodes[i], field);
    if (id >= n_nodes) c.fail(field, fmt::format("node {} out of range ({} nodes)", id, n_nodes));
    if (g.nodes[id].op != "null") c.fail(field, fmt::format("node {} is not an input", id));
    g.arg_nodes.push_back(id);
  }

  const json& row = c.array(c.member(doc, "node_row_ptr", "(top level)"), "node_row_ptr");
  if (row.size() != n_nodes + 1) {
    c.fail("node_row_ptr", fmt::format("has {} entries, expected {}", row.size(), n_nodes + 1));
  }
  for (std::size_t i = 0; i < row.size(); ++i) {
    std::string field = fmt::format("node_row_ptr[{}]", i);
    std::uint32_t v = c.u32(row[i], field);
    if (i == 0 && v != 0) c.fail(field, "must be 0");
    if (i > 0 && v < g.node_row_ptr.back()) c.fail(field, "decreases");
    g.node_row_ptr.push_back(v);
  }
  const std::uint32_t n_entries = g.node_row_ptr.back();
  if (n_entries > 16u * 1024 * 1024) c.fail("node_row_ptr", "too many entries");
  auto outputs_of = [&](std::uint32_t id) { return g.node_row_ptr[id + 1] - g.node_row_ptr[id]; };
  for (std::size_t i = 0; i < n_nodes; ++i) {
    const GraphNode& node = g.nodes[i];
    std::string field = fmt::format("nodes[{}]", i);
    std::uint32_t outs = outputs_of(static_cast<std::uint32_t>(i));
    if (node.op == "tvm_op") {
      const std::string& num_out = node.attrs.at("num_outputs");
      if (num_out != std::to_string(outs)) {
        c.fail(field + ".attrs.num_outputs",
               fmt::format("is \"{}\" but node_row_ptr gives {}", num_out, outs));
      }
    } else if (outs != 1) {
      c.fail(field, fmt::format("input node has {} outputs in node_row_ptr", outs));
    }
    for (std::size_t j = 0; j < node.inputs.size(); ++j) {
      const GraphEntry& e = node.inputs[j];
      if (e[0] >= i || e[1] >= outputs_of(e[0])) {
        c.fail(
            fmt::format("{}.inputs[{}]", field, j),
            fmt::format("refers to [{}, {}], which is not an earlier node's output", e[0], e[1]));
      }
    }
  }

  const json& heads = c.array(c.member(doc, "heads", "(top level)"), "heads");
  if (heads.empty()) c.fail("heads", "empty");
  for (std::size_t i = 0; i < heads.size(); ++i) {
    std::string field = fmt::format("heads[{}]", i);
    GraphEntry e = c.entry(heads[i], field);
    if (e[0] >= n_nodes || e[1] >= outputs_of(e[0])) {
      c.fail(field, fmt::format("refers to [{}, {}], which does not exist", e[0], e[1]));
    }
    g.heads.push_back(e);
  }

  const json& attrs = c.member(doc, "attrs", "(top level)");
  if (!attrs.is_object()) c.fail("attrs", "expected an object");
  auto check_len = [&](const json& list, const char* key) {
    if (list.size() != n_entries) {
      c.fail(fmt::format("attrs.{}", key),
             fmt::format("has {} entries, node_row_ptr says {}", list.size(), n_entries));
    }
  };
  const json& sid = c.typed_list(attrs, "storage_id", "list_int");
  check_len(sid, "storage_id");
  for (std::size_t i = 0; i < sid.size(); ++i) {
    g.storage_id.push_back(c.i64(sid[i], fmt::format("attrs.storage_id[{}]", i)));
  }
  const json& dlt = c.typed_list(attrs, "dltype", "list_str");
  check_len(dlt, "dltype");
  for (std::size_t i = 0; i < dlt.size(); ++i) {
    if (!dlt[i].is_string()) c.fail(fmt::format("attrs.dltype[{}]", i), "expected a string");
    g.dltype.push_back(dlt[i].get<std::string>());
  }
  const json& shp = c.typed_list(attrs, "shape", "list_shape");
  check_len(shp, "shape");
  for (std::size_t i = 0; i < shp.size(); ++i) {
    std::string field = fmt::format("attrs.shape[{}]", i);
    const json& s = c.array(shp[i], field);
    std::vector<std::int64_t> dims;
    for (const json& d : s) {
      std::int64_t v = c.i64(d, field);
      if (v < 0) c.fail(field, "negative dimension");
      dims.push_back(v);
    }
    g.shape.push_back(std::move(dims));
  }
  if (attrs.contains("device_index")) {
    const json& dev = c.typed_list(attrs, "device_index", "list_int");
    check_len(dev, "device_index");
    for (std::size_t i = 0; i < dev.size(); ++i) {
      g.device_index.push_back(c.i64(dev[i], fmt::format("attrs.device_index[{}]", i)));
    }
  }
  return g;
}

}  // namespace utvm::mlf
