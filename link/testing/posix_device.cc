#include "posix_device.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace utvm::link::testing {
namespace fs = std::filesystem;

fs::path build_posix_device(const codegen::testing::HostReference& ref, const fs::path& out_dir,
                            const fs::path& source_dir) {
  fs::create_directories(out_dir);
  const fs::path exe = out_dir / "device";
  if (fs::exists(exe)) return exe;
  const fs::path glue = out_dir / "glue.c";
  {
    std::ofstream out(glue, std::ios::binary | std::ios::trunc);
    out << ref.glue_source();
    if (!out) throw Error(ExitCode::kFailure, fmt::format("writing {}", glue.string()));
  }
  std::vector<std::string> argv = {"cc",
                                   "-O2",
                                   "-std=gnu99",
                                   "-DUTVM_CRC16_BYTE_TABLE",
                                   "-I" + (source_dir / "device/include").string(),
                                   "-I" + (ref.model_dir() / "codegen/host/include").string(),
                                   "-o",
                                   (out_dir / "device.tmp").string(),
                                   glue.string()};
  for (const fs::path& dir : {ref.model_dir() / "codegen/host/src", source_dir / "device/src",
                              source_dir / "device/ports/posix"}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".c") argv.push_back(e.path().string());
    }
  }
  argv.push_back("-lm");
  const fs::path log = out_dir / "build.log";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ExitCode::kFailure, fmt::format("creating {}", log.string()));
  SpawnOptions opt;
  opt.argv = argv;
  opt.stdout_fd = fd;
  opt.stderr_fd = fd;
  Process cc = Process::spawn(opt);
  ::close(fd);
  const int status = cc.wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    throw Error(ExitCode::kFailure, fmt::format("building the POSIX device program: {}\n{}",
                                                describe_exit_status(status), text.str()));
  }
  fs::rename(out_dir / "device.tmp", exe);
  return exe;
}

PipeDevice start_pipe_device(const std::vector<std::string>& argv) {
  int to_dev[2], from_dev[2];
  if (pipe2(to_dev, O_CLOEXEC) != 0) throw Error(ExitCode::kFailure, "pipe2 failed");
  if (pipe2(from_dev, O_CLOEXEC) != 0) {
    ::close(to_dev[0]);
    ::close(to_dev[1]);
    throw Error(ExitCode::kFailure, "pipe2 failed");
  }
  SpawnOptions opt;
  opt.argv = argv;
  opt.stdin_fd = to_dev[0];
  opt.stdout_fd = from_dev[1];
  PipeDevice d;
  try {
    d.process = Process::spawn(opt);
  } catch (...) {
    for (int fd : {to_dev[0], to_dev[1], from_dev[0], from_dev[1]})
      ::close(fd);
    throw;
  }
  ::close(to_dev[0]);
  ::close(from_dev[1]);
  d.stream = std::make_unique<transport::FdStream>(from_dev[0], to_dev[1], "the device", true);
  return d;
}

}  // namespace utvm::link::testing
