#include "test_util.h"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace utvm::codegen::test {

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spill(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string quote(const fs::path& p) {
  std::string out(1, '\'');
  out += p.string();
  out += '\'';
  return out;
}

std::string device_include() {
  std::string out = "-I";
  out += quote(fs::path(UTVM_SOURCE_DIR) / "device" / "include");
  return out;
}

// Runs a shell command with output captured to `log_file`; true on exit status 0. The timeout
// keeps a runaway generated program from hanging the test suite.
bool shell(const std::string& cmd, const fs::path& log_file) {
  std::string full = fmt::format("timeout 120 {} > {} 2>&1", cmd, quote(log_file));
  return std::system(full.c_str()) == 0;
}

}  // namespace

fs::path scratch_dir(const std::string& name) {
  fs::path dir = fs::path(UTVM_BINARY_DIR) / "codegen-test-work" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool compiles_strict(const std::string& source, std::string* log, const fs::path& extra_include) {
  static int counter = 0;
  // The pid keeps parallel ctest processes apart.
  fs::path dir = scratch_dir(fmt::format("strict_{}_{}", ::getpid(), counter++));
  spill(dir / "glue.c", source);
  std::string extra = extra_include.empty() ? "" : fmt::format("-I{}", quote(extra_include));
  bool ok =
      shell(fmt::format("cc -std=c99 -pedantic -Wall -Wextra -Werror {} {} -c {} -o {}",
                        device_include(), extra, quote(dir / "glue.c"), quote(dir / "glue.o")),
            dir / "log.txt");
  if (log) *log = slurp(dir / "log.txt");
  return ok;
}

bool compile_and_run(const fs::path& dir,
                     const std::vector<std::pair<std::string, std::string>>& files,
                     std::string* output) {
  std::string sources;
  for (const auto& [name, text] : files) {
    spill(dir / name, text);
    if (fs::path(name).extension() == ".c") sources += fmt::format(" {}", quote(dir / name));
  }
  fs::path workspace = fs::path(UTVM_SOURCE_DIR) / "device" / "src" / "workspace.c";
  if (!shell(fmt::format(
                 "cc -O2 -std=gnu99 -Werror=implicit-function-declaration {} -I{}{} {} -o {} -lm",
                 device_include(), quote(dir), sources, quote(workspace), quote(dir / "prog")),
             dir / "build.txt")) {
    if (output) *output = slurp(dir / "build.txt");
    return false;
  }
  bool ok = shell(quote(dir / "prog"), dir / "run.txt");
  if (output) *output = slurp(dir / "run.txt");
  return ok;
}

std::optional<bool> cross_compiles_cortex_m(const std::vector<fs::path>& sources,
                                            const std::vector<fs::path>& include_dirs,
                                            const fs::path& work_dir, std::string* log) {
  if (std::system("command -v arm-none-eabi-gcc > /dev/null 2>&1") != 0) return std::nullopt;
  fs::create_directories(work_dir / "dlpack" / "dlpack");
  fs::copy_file("/usr/include/dlpack/dlpack.h", work_dir / "dlpack" / "dlpack" / "dlpack.h",
                fs::copy_options::overwrite_existing);
  std::string flags = fmt::format(
      "arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -O1 -std=gnu99 "
      "{} -I{}",
      device_include(), quote(work_dir / "dlpack"));
  for (const fs::path& dir : include_dirs)
    flags += fmt::format(" -I{}", quote(dir));
  bool ok = true;
  std::string all_logs;
  for (size_t i = 0; i < sources.size() && ok; ++i) {
    fs::path obj = work_dir / fmt::format("cross_{}.o", i);
    ok = shell(fmt::format("{} -c {} -o {}", flags, quote(sources[i]), quote(obj)),
               work_dir / "cross.txt");
    all_logs += slurp(work_dir / "cross.txt");
  }
  if (log) *log = all_logs;
  return ok;
}
}  // namespace utvm::codegen::test
