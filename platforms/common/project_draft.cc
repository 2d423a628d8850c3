#include "common/project_draft.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/files.h"
#include "common/quoting.h"
#include "utvm/codegen/executor.h"
#include "utvm/codegen/glue.h"
#include "utvm/common/error.h"
#include "utvm/platforms/platforms.h"
#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
namespace api = utvm::project_api;

std::string ProjectDraft::model_name() const {
  std::string name;
  for (const mlf::Module& m : modules)
    name += (name.empty() ? "" : "+") + m.name;
  return name;
}

std::vector<std::string> ProjectDraft::sources() const {
  std::set<std::string> all;
  for (const mlf::Module& m : modules)
    all.insert(m.files.sources.begin(), m.files.sources.end());
  return {all.begin(), all.end()};
}

std::uint64_t ProjectDraft::io_bytes() const {
  std::uint64_t sum = 0;
  for (const mlf::Module& m : modules)
    sum += m.io_size_bytes;
  return sum;
}

std::uint64_t ProjectDraft::constants_bytes() const {
  std::uint64_t sum = 0;
  for (const mlf::Module& m : modules)
    sum += m.constants_size_bytes;
  return sum;
}

std::uint64_t ProjectDraft::arena_bytes(std::optional<std::uint64_t> option) const {
  if (option) return *option;
  std::uint64_t most = 0;
  for (const mlf::Module& m : modules)
    most = std::max(most, codegen::default_arena_bytes(m.workspace_size_bytes));
  return most;
}

std::string ProjectDraft::executor_c(const std::string& build_id,
                                     std::optional<std::uint64_t> workspace_size_bytes) const {
  codegen::ExecutorOptions exec;
  exec.build_id = build_id;
  exec.workspace_size_bytes = workspace_size_bytes;
  return codegen::generate_firmware_c(archive, modules, exec);
}

void write_project(const fs::path& mlf, const fs::path& project_dir, std::string_view platform,
                   const std::function<void(const ProjectDraft&)>& fill) {
  const fs::path mlf_path = fs::absolute(mlf);
  const fs::path project = fs::absolute(project_dir);
  if (fs::exists(project)) {
    throw api::ServerError(fmt::format("project directory {} already exists", project.string()));
  }
  if (!fs::is_regular_file(mlf_path)) {
    throw api::ServerError(fmt::format("MLF archive {} does not exist", mlf_path.string()));
  }
  const fs::path tmp =
      project.parent_path() /
      fmt::format(".{}.utvm-tmp-{}", project.filename().string(), static_cast<long>(::getpid()));
  try {
    fs::create_directories(project.parent_path());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    fs::copy_file(mlf_path, tmp / "model.tar");
    const auto archive = mlf::Archive::read(tmp / "model.tar");
    const auto model = mlf::load_model(archive, mlf_path.string());
    mlf::extract(archive, tmp / "model");
    for (const mlf::Module& module : model.modules) {
      if (module.files.sources.empty()) {
        throw Error(ExitCode::kBadInput,
                    fmt::format("{}: module '{}' has no C sources (only object files built for "
                                "another target?); the {} platform compiles C",
                                mlf_path.string(), module.name, platform));
      }
    }
    fill(ProjectDraft{mlf_path, project, tmp, archive, model.modules});
    const fs::path launch = tmp / "launch_microtvm_api_server.sh";
    write_file(launch, fmt::format("#!/bin/sh\n# Project API server of this utvm {}-platform "
                                   "project.\nexec {} api-server {} \"$@\"\n",
                                   platform, shell_quote(self_executable().string()), platform));
    fs::permissions(launch, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    fs::rename(tmp, project);
  } catch (const api::ServerError&) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  } catch (const Error& e) {  // keeps its exit code (a bad option, an unusable MLF)
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw api::ServerError(e.what(), nullptr, {}, e.code());
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw api::ServerError(e.what());
  }
}

fs::path self_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("utvm") : exe;
}

}  // namespace utvm::platforms
