#include "build_firmware.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "board.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"

namespace utvm::baremetal::testing {
namespace {

namespace fs = std::filesystem;

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

void run_logged(const std::vector<std::string>& argv, const fs::path& log, const char* step) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  SpawnOptions o;
  o.argv = argv;
  o.stdout_fd = fd;
  o.stderr_fd = fd;
  Process p = Process::spawn(o);
  ::close(fd);
  int status = p.wait();
  if (status != 0) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (s.size() > 3000) s = s.substr(s.size() - 3000);
    throw Error(ExitCode::kBuildFailed,
                fmt::format("{} failed ({}):\n{}", step, describe_exit_status(status), s));
  }
}

}  // namespace

std::string missing_tools() {
  std::string missing;
  for (const char* tool : {"qemu-system-arm", "arm-none-eabi-gcc", "cmake", "ninja"}) {
    if (!on_path(tool)) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", tool);
  }
  return missing;
}

fs::path build_firmware(const FirmwareRequest& request, const std::string& name) {
  const fs::path source = UTVM_SOURCE_DIR;
  const fs::path dir = fs::path(UTVM_BINARY_DIR) / "test-firmware" / name;
  fs::create_directories(dir);
  // ctest runs each test case as its own process, in parallel: one build per directory at a time.
  int lock_fd = ::open((dir.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd >= 0) ::flock(lock_fd, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) ::close(fd);
    }
  } unlock{lock_fd};
  const fs::path log = dir / "build.log";
  fs::remove(log);
  // The board's facts as generate_project writes them; rewritten only when they change, since
  // CMake reconfigures when an included file is touched.
  const fs::path board_cmake = dir / "board.cmake";
  const std::string board_text =
      platforms::baremetal::board_cmake(platforms::baremetal::kBoards.find(
          source / "platforms/baremetal/boards.json", request.board));
  std::stringstream old_text;
  old_text << std::ifstream(board_cmake).rdbuf();
  if (old_text.str() != board_text) std::ofstream(board_cmake) << board_text;
  std::vector<std::string> configure = {
      "cmake",
      "-S",
      (source / "platforms/baremetal/template").string(),
      "-B",
      dir.string(),
      "-G",
      "Ninja",
      "-DUTVM_BOARD_CMAKE=" + board_cmake.string(),
      "-DUTVM_PORT_DIR=" + (source / "device/ports/cortexm").string(),
      "-DUTVM_RUNTIME_DIR=" + (source / "device").string(),
      "-DUTVM_EXTRA_CFLAGS=" + request.extra_cflags,
  };
  if (!request.app.empty()) {
    configure.push_back("-DUTVM_APP_SOURCES=" +
                        (source / "platforms/baremetal/test_firmware" / request.app).string());
  } else {
    configure.push_back("-DUTVM_APP_SOURCES=");
  }
  configure.push_back(
      "-DUTVM_MODEL_DIR=" +
      (request.model_dir.empty() ? (dir / "no-model") : request.model_dir).string());
  // dlpack.h alone, so the cross compiler never sees the host's /usr/include.
  const fs::path dlpack = fs::path(UTVM_BINARY_DIR) / "test-firmware" / "dlpack";
  fs::create_directories(dlpack / "dlpack");
  if (!fs::exists(dlpack / "dlpack" / "dlpack.h")) {
    const fs::path tmp = dlpack / "dlpack" / ("dlpack.h." + std::to_string(::getpid()));
    fs::copy_file("/usr/include/dlpack/dlpack.h", tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, dlpack / "dlpack" / "dlpack.h");
  }
  configure.push_back("-DUTVM_DLPACK_DIR=" + dlpack.string());
  run_logged(configure, log, "configuring the firmware");
  run_logged({"cmake", "--build", dir.string()}, log, "building the firmware");
  return dir / "firmware.elf";
}

bool process_group_alive(pid_t pgid) {
  DIR* d = ::opendir("/proc");
  if (!d) return ::kill(-pgid, 0) == 0;
  bool alive = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 > line.size()) continue;
    std::istringstream rest(line.substr(close_paren + 2));
    std::string state;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != "Z" && state != "X") alive = true;
  }
  ::closedir(d);
  return alive;
}

bool wait_process_group_gone(pid_t pgid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_group_alive(pgid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace utvm::baremetal::testing
