#include "common/cmsis.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "common/files.h"
#include "common/quoting.h"
#include "common/server_options.h"
#include "utvm/common/error.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

fs::path dir_or_empty(const fs::path& p) {
  return is_dir(p) ? p : fs::path();
}

std::vector<fs::path> c_sources_under(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator
           it(dir, fs::directory_options::follow_directory_symlink, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".c" && is_file(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* const kLayoutsHelp =
    "TVM's (CMSIS/Core/Include, CMSIS/DSP/Include, CMSIS-NN/Include, CMSIS-NN/Source), CMSIS_5's "
    "(CMSIS/NN/Include, CMSIS/NN/Source beside CMSIS/Core and CMSIS/DSP) or a CMSIS-NN checkout "
    "(Include/, Source/)";

struct Candidate {
  fs::path root;
  std::string origin;  // "option cmsis_path", "$CMSIS_PATH", ...
};

std::string header_list(const mlf::CmsisUse& use) {
  std::string out;
  for (const auto& inc : use.includes) {
    if (out.find("<" + inc.header + ">") != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += "<" + inc.header + ">";
  }
  return out;
}

}  // namespace

std::vector<fs::path> CmsisTree::include_dirs() const {
  std::vector<fs::path> dirs;
  for (const fs::path* d : {&nn_include, &dsp_include, &core_include})
    if (!d->empty()) dirs.push_back(*d);
  return dirs;
}

std::optional<fs::path> CmsisTree::find_header(const std::string& header) const {
  for (const fs::path& d : include_dirs())
    if (is_file(d / header)) return d;
  return std::nullopt;
}

std::optional<CmsisTree> detect_cmsis_layout(const fs::path& root_in) {
  std::error_code ec;
  const fs::path root = fs::absolute(root_in, ec).lexically_normal();
  if (ec || !is_dir(root)) return std::nullopt;
  CmsisTree t;
  t.root = root;
  auto with_nn = [&](const char* layout, const fs::path& include, const fs::path& source) {
    t.layout = layout;
    t.nn_include = include;
    t.nn_source = dir_or_empty(source);
    if (!t.nn_source.empty()) t.nn_sources = c_sources_under(t.nn_source);
  };
  if (is_file(root / "CMSIS-NN/Include/arm_nnfunctions.h")) {
    with_nn("TVM", root / "CMSIS-NN/Include", root / "CMSIS-NN/Source");
  } else if (is_file(root / "CMSIS/NN/Include/arm_nnfunctions.h")) {
    with_nn("CMSIS_5", root / "CMSIS/NN/Include", root / "CMSIS/NN/Source");
  } else if (is_file(root / "Include/arm_nnfunctions.h") && is_dir(root / "Source")) {
    with_nn("CMSIS-NN", root / "Include", root / "Source");
  } else if (is_file(root / "CMSIS/Core/Include/cmsis_compiler.h")) {
    t.layout = "CMSIS (no NN)";
  } else {
    return std::nullopt;
  }
  t.core_include = dir_or_empty(root / "CMSIS/Core/Include");
  t.dsp_include = dir_or_empty(root / "CMSIS/DSP/Include");
  return t;
}

project_api::ProjectOption cmsis_path_option() {
  return make_option("cmsis_path", "str", nullptr, {}, {"generate_project"},
                     "Path to the CMSIS tree for models that use CMSIS-NN or CMSIS headers "
                     "(default: $CMSIS_PATH). Layouts: TVM's (CMSIS/ + CMSIS-NN/), CMSIS_5's "
                     "(CMSIS/NN) or a CMSIS-NN checkout (Include/, Source/).");
}

std::optional<CmsisTree> resolve_cmsis(const json& options, const mlf::Module& module,
                                       const fs::path& mlf_path, std::string_view platform,
                                       const std::vector<fs::path>& fallbacks) {
  const mlf::CmsisUse& use = module.cmsis;
  if (!use.needed()) return std::nullopt;
  const mlf::CmsisInclude& first = use.includes.front();
  const std::string model_says =
      fmt::format("{} in {} includes <{}> ({})", first.file, mlf_path.string(), first.header,
                  to_string(first.part));

  std::vector<Candidate> candidates;
  if (auto opt = str_option(options, "cmsis_path")) {
    candidates.push_back({*opt, "option cmsis_path"});
  } else if (const char* env = std::getenv("CMSIS_PATH"); env && *env) {
    candidates.push_back({env, "$CMSIS_PATH (option cmsis_path is unset)"});
  } else {
    for (const fs::path& f : fallbacks)
      if (detect_cmsis_layout(f)) candidates.push_back({f, "the default " + f.string()});
  }
  if (candidates.empty()) {
    throw Error(
        ExitCode::kOption,
        fmt::format(
            "{}, and the {} platform was given no CMSIS: pass --project-option cmsis_path=DIR (or "
            "set $CMSIS_PATH) with {}; see docs/cmsis.md",
            model_says, platform, kLayoutsHelp));
  }
  const Candidate& c = candidates.front();
  std::error_code ec;
  if (!is_dir(c.root)) {
    throw Error(ExitCode::kOption,
                fmt::format("{}: {} is not a directory ({}; it needs {})", c.origin,
                            c.root.string(), model_says, header_list(use)));
  }
  auto tree = detect_cmsis_layout(c.root);
  if (!tree) {
    throw Error(ExitCode::kOption,
                fmt::format("{}: {} is not a CMSIS tree: found none of CMSIS-NN/Include/"
                            "arm_nnfunctions.h, CMSIS/NN/Include/arm_nnfunctions.h, "
                            "Include/arm_nnfunctions.h with Source/, CMSIS/Core/Include/"
                            "cmsis_compiler.h ({}). Give {}",
                            c.origin, c.root.string(), model_says, kLayoutsHelp));
  }
  for (const mlf::CmsisInclude& inc : use.includes) {
    if (tree->find_header(inc.header)) continue;
    std::string looked;
    for (const fs::path& d : tree->include_dirs())
      looked += (looked.empty() ? "" : ", ") + d.string();
    throw Error(ExitCode::kOption,
                fmt::format("{} in {} includes <{}> ({}), which the CMSIS at {} ({}, layout {}) "
                            "does not have (looked in {}); give a tree with {} through option "
                            "cmsis_path or $CMSIS_PATH",
                            inc.file, mlf_path.string(), inc.header, to_string(inc.part),
                            tree->root.string(), c.origin, tree->layout,
                            looked.empty() ? "nothing" : looked, to_string(inc.part)));
  }
  if (use.needs(mlf::CmsisPart::kNn) && tree->nn_sources.empty()) {
    throw Error(ExitCode::kOption,
                fmt::format("{}, but the CMSIS at {} ({}) has no CMSIS-NN sources (no .c files "
                            "under {}); give a tree with CMSIS-NN's Source/ through option "
                            "cmsis_path",
                            model_says, tree->root.string(), c.origin,
                            tree->nn_source.empty() ? "Source/" : tree->nn_source.string()));
  }
  if (use.uses_nn_status && !tree->nn_include.empty() &&
      read_file(tree->nn_include / "arm_nn_types.h").find("arm_cmsis_nn_status") ==
          std::string::npos) {
    throw Error(ExitCode::kOption,
                fmt::format("the model in {} was generated for CMSIS-NN 4.x (it uses "
                            "arm_cmsis_nn_status), but the CMSIS-NN at {} ({}) is older (its "
                            "arm_nn_types.h has no arm_cmsis_nn_status); give CMSIS-NN v4.x "
                            "through option cmsis_path",
                            mlf_path.string(), tree->nn_include.string(), c.origin));
  }
  return tree;
}

std::string cmsis_cmake_lines(const std::optional<CmsisTree>& cmsis) {
  std::string out = "# CMSIS for the model (utvm's cmsis_path; empty when the model needs none).\n";
  out += "set(UTVM_CMSIS_INCLUDE_DIRS";
  if (cmsis)
    for (const fs::path& d : cmsis->include_dirs())
      out += "\n  " + cmake_quote(d.string());
  out += ")\nset(UTVM_CMSIS_NN_SOURCES";
  if (cmsis)
    for (const fs::path& s : cmsis->nn_sources)
      out += "\n  " + cmake_quote(s.string());
  out += ")\n";
  return out;
}

std::vector<std::string> cmsis_host_cflags() {
  return {"-include", "stdint.h"};
}

json cmsis_project_json(const std::optional<CmsisTree>& cmsis) {
  if (!cmsis) return nullptr;
  return {{"path", cmsis->root.string()}, {"layout", cmsis->layout}};
}

void refuse_cmsis(const mlf::Module& module, const fs::path& mlf_path, const std::string& board,
                  const std::string& why) {
  const mlf::CmsisInclude& first = module.cmsis.includes.front();
  throw Error(
      ExitCode::kOption,
      fmt::format("board {} cannot run this model: {} in {} includes <{}> ({}), and {}", board,
                  first.file, mlf_path.string(), first.header, to_string(first.part), why));
}

std::optional<CmsisTree> resolve_cmsis(const json& options, std::span<const mlf::Module> modules,
                                       const fs::path& mlf_path, std::string_view platform,
                                       const std::vector<fs::path>& fallbacks) {
  std::optional<CmsisTree> tree;
  for (const mlf::Module& m : modules) {
    auto t = resolve_cmsis(options, m, mlf_path, platform, fallbacks);
    if (t && !tree) tree = std::move(t);
  }
  return tree;
}

void refuse_cmsis_if_needed(std::span<const mlf::Module> modules, const fs::path& mlf_path,
                            const std::string& board, const std::string& why) {
  for (const mlf::Module& m : modules)
    if (m.cmsis.needed()) refuse_cmsis(m, mlf_path, board, why);
}

}  // namespace utvm::platforms
