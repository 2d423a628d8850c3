// Model -> the documented `utvm info --json` schema (docs/mlf-info-json.md).
#include "utvm/mlf/model_json.h"

namespace utvm::mlf {
namespace {

using nlohmann::json;

json tensor_json(const TensorInfo& t) {
  json j = {{"name", t.name}, {"c_name", t.c_name}, {"dtype", t.dtype}, {"bytes", t.bytes}};
  j["shape"] = t.shape ? json(*t.shape) : json(nullptr);
  return j;
}

json opt(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

}  // namespace

json model_to_json(const Model& model) {
  json j;
  j["schema_version"] = kInfoJsonSchemaVersion;
  j["metadata_version"] = model.metadata_version;
  j["tvm_version"] = opt(model.tvm_version);
  j["export_datetime"] = opt(model.export_datetime);
  json mods = json::array();
  for (const Module& m : model.modules) {
    json jm;
    jm["name"] = m.name;
    jm["executor"] = to_string(m.executor);
    jm["interface"] = to_string(m.interface);
    jm["style"] = m.style.empty() ? json(nullptr) : json(m.style);
    jm["static_memory_plan"] = m.static_memory_plan;
    jm["needs_workspace_allocator"] = m.needs_workspace_allocator;
    jm["targets"] = m.targets;
    jm["workspace_size_bytes"] = m.workspace_size_bytes;
    jm["constants_size_bytes"] = m.constants_size_bytes;
    jm["io_size_bytes"] = m.io_size_bytes;
    jm["inputs"] = json::array();
    for (const auto& t : m.inputs)
      jm["inputs"].push_back(tensor_json(t));
    jm["outputs"] = json::array();
    for (const auto& t : m.outputs)
      jm["outputs"].push_back(tensor_json(t));
    jm["operator_functions"] = m.operator_functions;
    if (m.entry_point.kind == EntryPoint::Kind::kNone) {
      jm["entry_point"] = nullptr;
    } else {
      jm["entry_point"] = {{"kind", to_string(m.entry_point.kind)},
                           {"symbol", m.entry_point.symbol}};
    }
    json includes = json::array();
    for (const auto& inc : m.cmsis.includes)
      includes.push_back(
          {{"header", inc.header}, {"file", inc.file}, {"part", to_string(inc.part)}});
    jm["cmsis"] = {{"needed", m.cmsis.needed()},
                   {"includes", std::move(includes)},
                   {"functions", m.cmsis.nn_functions}};
    jm["files"] = {{"sources", m.files.sources},
                   {"objects", m.files.objects},
                   {"header", opt(m.files.header)},
                   {"params", opt(m.files.params)},
                   {"graph_json", opt(m.files.graph_json)},
                   {"relay", opt(m.files.relay)}};
    mods.push_back(std::move(jm));
  }
  j["modules"] = std::move(mods);
  return j;
}

}  // namespace utvm::mlf
