// A changed model.tar noticed by comparing digests (see model_check.h).
#include "utvm/cli/model_check.h"

#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "utvm/cli/sha256.h"
#include "utvm/common/error.h"

namespace utvm::cli {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> digest_if_readable(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    return sha256_file(file);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> model_change_warnings(const fs::path& project_dir,
                                               const ProjectFile& project) {
  std::vector<std::string> out;
  if (project.mlf_sha256.empty()) return out;
  const bool is_template = project.platform.empty() || project.platform == "template";
  const std::string recreate = fmt::format(
      "utvm create-project -f {} {} {}", project_dir.string(),
      project.mlf_path.empty() ? std::string("MODEL.tar") : project.mlf_path.string(),
      is_template ? "template --template-dir " + project.template_dir.string() : project.platform);
  auto check = [&](const fs::path& file, const char* what) {
    const auto now = digest_if_readable(file);
    if (!now || *now == project.mlf_sha256) return;
    out.push_back(fmt::format(
        "warning: {} ({}) changed since create-project (SHA-256 {:.12}..., recorded "
        "{:.12}...); {} still holds the model it was generated from. To use the new model, "
        "re-run `{}` (add your --project-option values again).",
        file.string(), what, *now, project.mlf_sha256, project_dir.string(), recreate));
  };
  check(project_dir / "model.tar", "the project's copy of the model");
  if (!project.mlf_path.empty() && project.mlf_path != project_dir / "model.tar")
    check(project.mlf_path, "the archive given to create-project");
  return out;
}

void warn_if_model_changed(const fs::path& project_dir, const ProjectFile& project) {
  for (const std::string& w : model_change_warnings(project_dir, project))
    std::fprintf(stderr, "%s\n", w.c_str());
}

}  // namespace utvm::cli
