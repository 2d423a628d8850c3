#include "harness.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "utvm/common/subprocess.h"

namespace utvm::reliability {
namespace fs = std::filesystem;

Result run(const std::vector<std::string>& argv,
           const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds limit,
           const fs::path& cwd) {
  Result r;
  const std::string tmpdir = fs::temp_directory_path().string();
  std::string pattern = tmpdir + "/utvm-reliability-out-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd < 0) return r;
  ::unlink(buf.data());
  SpawnOptions o;
  o.argv = argv;
  o.extra_env = env;
  o.cwd = cwd;
  o.stdout_fd = fd;
  o.stderr_fd = fd;
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  o.stdin_fd = devnull;
  Process p = Process::spawn(o);
  ::close(devnull);
  auto status = p.wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  if (!status) {
    p.terminate();
    r.exit_code = -2;
  } else if (WIFEXITED(*status)) {
    r.exit_code = WEXITSTATUS(*status);
  } else {
    r.exit_code = 128 + WTERMSIG(*status);
  }
  ::lseek(fd, 0, SEEK_SET);
  char chunk[4096];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) > 0;)
    r.output.append(chunk, static_cast<size_t>(n));
  ::close(fd);
  return r;
}

fs::path utvm_binary() {
  return fs::path(UTVM_BINARY_DIR) / "bin" / "utvm";
}

fs::path example_mlf() {
  return fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar";
}

Result utvm(const std::vector<std::string>& args,
            const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds limit,
            const fs::path& cwd) {
  std::vector<std::string> argv = {utvm_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, limit, cwd);
}

void Reliability::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() /
         fmt::format("utvm-rel-{}-{}-{}", info->test_suite_name(), info->name(), ::getpid());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  // The fault template is not one of utvm's platforms, so create-project looks for TVM's
  // standalone CRT first; these tests are about the server's faults, so a tree of the CRT's shape
  // (the two paths the CLI checks) stands in for it.
  write_text(dir_ / "tvm_crt/include/tvm/runtime/c_runtime_api.h", "// stand-in\n");
  fs::create_directories(dir_ / "tvm_crt/src/runtime/crt");
  ::setenv("TVM_CRT_DIR", (dir_ / "tvm_crt").c_str(), 1);
}

void Reliability::TearDown() {
  ::unsetenv("TVM_CRT_DIR");
  std::error_code ec;
  // Tests make folders read-only or swap in special files; restore write access to remove them.
  for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(dir_, ec);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace utvm::reliability

namespace utvm::reliability {

std::string make_tar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string tar;
  for (const auto& [name, data] : files) {
    char h[512] = {};
    name.copy(h, 99);
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011zo", data.size());
    std::snprintf(h + 136, 12, "%011o", 0);
    std::memset(h + 148, ' ', 8);
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (unsigned char c : h)
      sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    tar.append(h, 512);
    tar.append(data);
    tar.resize((tar.size() + 511) / 512 * 512, '\0');
  }
  tar.append(1024, '\0');
  return tar;
}

std::vector<std::string> temporaries_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 1 && n[0] == '.' &&
        (n.find(".utvm-new-") != std::string::npos || n.find(".utvm-old-") != std::string::npos ||
         n.find(".utvm-tmp-") != std::string::npos))
      out.push_back(n);
  }
  return out;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace utvm::reliability
