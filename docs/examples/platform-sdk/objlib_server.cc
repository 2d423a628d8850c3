// objlib: a Project API server written against utvm's installed SDK (find_package(utvm)). It
// shows what every server implements: server_info_query (what it is, whether this directory is a
// template or a project, its options, protocol_version), generate_project, build and flash, and
// the transport calls, here refused because objlib has no device.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "utvm/common/subprocess.h"
#include "utvm/project_api/server.h"

namespace fs = std::filesystem;
namespace api = utvm::project_api;

namespace {

constexpr const char* kModel = "model.tar";

// Runs argv in `cwd`, its output into `log`; a ServerError naming the step when it fails.
void run(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
         const std::string& step) {
  utvm::SpawnOptions spawn;
  spawn.argv = argv;
  spawn.cwd = cwd;
  std::ofstream(log, std::ios::app) << "$ " << argv.front() << " ...\n";
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  spawn.stdout_fd = spawn.stderr_fd = fd;
  const int status = utvm::Process::spawn(spawn).wait();
  ::close(fd);
  if (status != 0)
    throw api::ServerError(step + ": " + argv.front() + " failed; see " + log.string());
}

std::string option(const nlohmann::json& options, const char* name, const std::string& fallback) {
  auto it = options.find(name);
  return it != options.end() && it->is_string() ? it->get<std::string>() : fallback;
}

class ObjlibHandler : public api::Handler {
 public:
  explicit ObjlibHandler(fs::path dir) : dir_(std::move(dir)) {}

  api::ServerInfo server_info_query(const std::string& /*tvm_version*/) override {
    api::ServerInfo info;
    info.platform_name = "objlib";
    // A generated project holds its model.tar; the template directory does not.
    info.is_template = !fs::exists(dir_ / kModel);
    info.model_library_format_path = info.is_template ? "" : (dir_ / kModel).string();
    info.project_options = {
        {"cc", std::nullopt, "cc", "str", std::nullopt, std::vector<std::string>{"build"},
         "C compiler to build the model with."},
        {"cflags", std::nullopt, "-O2", "str", std::nullopt,
         std::vector<std::string>{"generate_project", "build"},
         "One flag for the compiler (kept in the project)."}};
    // protocol_version: ServerInfo's default is the version this SDK speaks (TVM's 1).
    return info;
  }

  void generate_project(const fs::path& mlf, const fs::path& standalone_crt_dir,
                        const fs::path& project_dir, const nlohmann::json& options) override {
    fs::create_directories(project_dir / "model");
    fs::copy_file(mlf, project_dir / kModel);
    // The project launches this same server later: copy the template's files into it.
    for (const char* f : {"launch_microtvm_api_server.sh", "platform.json"})
      fs::copy_file(dir_ / f, project_dir / f);
    run({"tar", "-xf", (project_dir / kModel).string(), "-C", (project_dir / "model").string()},
        project_dir, project_dir / "generate.log", "generate_project");
    std::ofstream(project_dir / "settings.txt") << standalone_crt_dir.string() << '\n'
                                                << option(options, "cflags", "-O2") << '\n';
  }

  void build(const nlohmann::json& options) override {
    std::ifstream settings(dir_ / "settings.txt");
    std::string crt, cflags;
    std::getline(settings, crt);
    std::getline(settings, cflags);
    const fs::path build = dir_ / "build";
    fs::create_directories(build);
    std::vector<std::string> objects;
    for (const auto& e : fs::directory_iterator(dir_ / "model/codegen/host/src")) {
      if (e.path().extension() != ".c") continue;
      const std::string obj = (build / e.path().stem()).string() + ".o";
      std::vector<std::string> cc = {option(options, "cc", "cc")};
      if (!cflags.empty()) cc.push_back(cflags);  // one argument: never split by a shell
      cc.insert(cc.end(),
                {"-I" + crt + "/include", "-I" + (dir_ / "model/codegen/host/include").string(),
                 "-c", e.path().string(), "-o", obj});
      run(cc, dir_, build / "build.log", "build");
      objects.push_back(obj);
    }
    std::vector<std::string> ar = {"ar", "rcs", (build / "libmodel.a").string()};
    ar.insert(ar.end(), objects.begin(), objects.end());
    run(ar, dir_, build / "build.log", "build");
  }

  void flash(const nlohmann::json& /*options*/) override {
    if (!fs::exists(dir_ / "build/libmodel.a"))
      throw api::ServerError("flash: no build/libmodel.a; run `utvm build` first");
  }

  api::TransportTimeouts open_transport(const nlohmann::json& /*options*/) override {
    throw api::ServerError(
        "open_transport: objlib has no device; link build/libmodel.a into "
        "your firmware");
  }
  void close_transport() override {}
  std::vector<std::uint8_t> read_transport(std::size_t, std::optional<double>) override {
    throw api::TransportClosedError();
  }
  void write_transport(std::span<const std::uint8_t>, std::optional<double>) override {
    throw api::TransportClosedError();
  }

 private:
  fs::path dir_;
};

}  // namespace

int main(int argc, char** argv) {
  ObjlibHandler handler(fs::current_path());
  return api::serve(handler, argc, argv);
}
