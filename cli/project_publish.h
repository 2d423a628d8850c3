// create-project's safety rules (issue 14): what -f may replace, and a new project that appears
// complete or not at all.
//
// The project is generated into a hidden staging folder beside PROJECT_DIR
// (".NAME.utvm-new-PID"), completed there (utvm-project.json included) and then renamed into
// place, swapping atomically with the old project under -f. A Ctrl-C / SIGTERM / SIGHUP removes
// the staging folder and the server's own temporary folder; after a SIGKILL the next
// create-project in the same parent folder sweeps every ".*.utvm-{new,old,tmp}-PID" whose process
// is gone.
#pragma once

#include <filesystem>
#include <string>

namespace utvm::cli {

// -f's rule: `project_dir` may be replaced only when it is an empty folder or a utvm project (it
// holds utvm-project.json or a generated project.json), and never when it contains `mlf` or the
// working directory. Throws utvm::Error(kUsage) saying why not.
void check_replaceable(const std::filesystem::path& project_dir, const std::filesystem::path& mlf);

// Removes the leftovers of killed runs in `parent`: entries named ".*.utvm-new-PID",
// ".*.utvm-old-PID" or ".*.utvm-tmp-PID" whose PID is not a running process.
void sweep_stale_temporaries(const std::filesystem::path& parent);

// Async-signal-safe: removes the staging folder registered by the live StagedProject, if any, and
// the server's temporary folders beside it. Called by the CLI's signal handler.
void remove_staging_on_signal();

class StagedProject {
 public:
  // Sweeps stale temporaries beside `project_dir` and reserves the staging path (not created).
  explicit StagedProject(const std::filesystem::path& project_dir);
  ~StagedProject();  // removes the staging folder (and the server's temporaries) unless published
  StagedProject(const StagedProject&) = delete;
  StagedProject& operator=(const StagedProject&) = delete;

  const std::filesystem::path& dir() const { return staging_; }
  // Moves the staging folder to the project path: an atomic swap when the project exists (the
  // old one is then removed), else a rename that fails rather than overwrite a newcomer.
  void publish();

 private:
  std::filesystem::path project_, staging_;
  bool published_ = false;
};

}  // namespace utvm::cli
