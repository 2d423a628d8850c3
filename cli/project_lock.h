// One utvm at a time per project (issue 14): build, flash and run hold an exclusive lock on
// PROJECT_DIR/.utvm-lock for their whole run. A second one waits (saying who holds it) or, with
// --no-wait, fails with exit 11.
#pragma once

#include <filesystem>
#include <string>

namespace utvm::cli {

class ProjectLock {
 public:
  // `activity` ("building", "flashing", "running") is recorded for the waiting side's message.
  // A project folder that cannot hold the lock file (read-only) is used unlocked, and so is a
  // folder without model.tar or utvm-project.json (a template, which the server then refuses).
  ProjectLock(const std::filesystem::path& project_dir, const std::string& activity, bool wait);
  ~ProjectLock();
  ProjectLock(const ProjectLock&) = delete;
  ProjectLock& operator=(const ProjectLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace utvm::cli
