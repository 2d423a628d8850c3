// `utvm info MLF [--json]`: what is inside a Model Library Format archive (model name, TVM and
// metadata versions, executor, interface, entry point, I/O tensors, memory sizes, files).
// Errors are utvm::Error(kBadInput) from the mlf reader; main.cc maps them to exit code 10.
#include <fmt/core.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "run_io.h"
#include "utvm/common/text.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/model_json.h"

namespace {

struct InfoOptions {
  std::string archive;
  bool json = false;
};

std::string shape_text(const utvm::mlf::TensorInfo& t) {
  return t.shape ? utvm::cli::shape_tuple_text(*t.shape) : "unknown";
}

void print_tensors(std::string& out, const char* title,
                   const std::vector<utvm::mlf::TensorInfo>& tensors) {
  out += fmt::format("  {}:\n", title);
  if (tensors.empty()) out += "    (none found)\n";
  for (const auto& t : tensors) {
    out += fmt::format("    {:<28} {:<8} shape {:<16} {} bytes", t.name,
                       t.dtype.empty() ? "?" : t.dtype, shape_text(t), t.bytes);
    if (t.c_name != t.name) out += fmt::format("  (C name {})", t.c_name);
    out += "\n";
  }
}

std::string human(const std::string& archive, const utvm::mlf::Model& model) {
  using namespace utvm::mlf;
  std::string out;
  out += fmt::format("{}\n", archive);
  out += fmt::format("  TVM version:      {}\n", model.tvm_version.value_or("unknown"));
  out += fmt::format("  metadata version: {}\n", model.metadata_version);
  if (model.export_datetime) out += fmt::format("  exported:         {}\n", *model.export_datetime);
  for (const Module& m : model.modules) {
    out += fmt::format("\nmodule {}\n", m.name);
    out += fmt::format("  executor:         {}\n", to_string(m.executor));
    out += fmt::format("  interface:        {}\n", to_string(m.interface));
    if (m.entry_point.kind == EntryPoint::Kind::kNone) {
      out += "  entry point:      none (graph executor)\n";
    } else {
      out += fmt::format("  entry point:      {} ({})\n", m.entry_point.symbol,
                         to_string(m.entry_point.kind));
    }
    for (const auto& t : m.targets)
      out += fmt::format("  target:           {}\n", t);
    out += fmt::format("  workspace:        {} bytes{}\n", m.workspace_size_bytes,
                       m.executor == Executor::kGraph ? ""
                       : m.needs_workspace_allocator  ? " (allocated at run time)"
                                                      : " (statically planned)");
    out += fmt::format("  constants:        {} bytes\n", m.constants_size_bytes);
    out += fmt::format("  io:               {} bytes\n", m.io_size_bytes);
    print_tensors(out, "inputs", m.inputs);
    print_tensors(out, "outputs", m.outputs);
    if (!m.operator_functions.empty()) {
      out += fmt::format("  operators:        {}\n", m.operator_functions.size());
    }
    if (m.cmsis.needed()) {
      // Which headers come from which part of CMSIS, and the CMSIS-NN kernels the code calls.
      std::string parts;
      for (CmsisPart part : {CmsisPart::kNn, CmsisPart::kDsp, CmsisPart::kCore}) {
        if (!m.cmsis.needs(part)) continue;
        if (!parts.empty()) parts += ", ";
        parts += to_string(part);
      }
      out += fmt::format(
          "  CMSIS:            needed ({}; pass the platform option cmsis_path or set "
          "$CMSIS_PATH)\n",
          parts);
      for (const auto& inc : m.cmsis.includes)
        out += fmt::format("    includes {:<28} in {}\n", inc.header, inc.file);
      if (!m.cmsis.nn_functions.empty()) {
        out += fmt::format("    calls    {}\n", fmt::join(m.cmsis.nn_functions, ", "));
      }
    }
    out += "  files:\n";
    for (const auto& s : m.files.sources)
      out += fmt::format("    source   {}\n", s);
    for (const auto& o : m.files.objects)
      out += fmt::format("    object   {}\n", o);
    if (m.files.header) out += fmt::format("    header   {}\n", *m.files.header);
    if (m.files.params) out += fmt::format("    params   {}\n", *m.files.params);
    if (m.files.graph_json) out += fmt::format("    graph    {}\n", *m.files.graph_json);
    if (m.files.relay) out += fmt::format("    relay    {}\n", *m.files.relay);
  }
  return out;
}

}  // namespace

void register_info_command(CLI::App& app) {
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Show what a Model Library Format archive contains");
  cmd->add_option("MLF", opts->archive, "The MLF archive (.tar) written by TVM")->required();
  cmd->add_flag("--json", opts->json, "Print the stable JSON form (docs/mlf-info-json.md)");
  cmd->footer("Example:\n  utvm info model.tar --json");
  cmd->callback([opts]() {
    utvm::mlf::Model model = utvm::mlf::load_model(std::filesystem::path(opts->archive));
    // Names and strings come from the archive: escaped for the terminal (JSON escapes control
    // characters itself; bytes that are not UTF-8 become U+FFFD instead of an exception).
    std::string out = opts->json ? utvm::mlf::model_to_json(model).dump(
                                       2, ' ', false, nlohmann::json::error_handler_t::replace) +
                                       "\n"
                                 : utvm::printable(human(opts->archive, model), true);
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}
