// The example platform end to end: its handler in-process, and its server process started through
// the template's launch script exactly as a Project API client does (two pipes, fds 3/4, cwd).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "example_server.h"
#include "utvm/common/subprocess.h"
#include "utvm/project_api/jsonrpc.h"
#include "utvm/project_api/line_io.h"

namespace utvm::platforms::example {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using project_api::Json;

const fs::path kTemplateDir = fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/example";

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "utvm-example-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
  return tmpl;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path = make_temp_dir();
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A server process started like a Project API client starts one.
class SpawnedServer {
 public:
  explicit SpawnedServer(const fs::path& dir, std::vector<std::string> extra_args = {}) {
    int req[2], rep[2];
    if (::pipe(req) != 0 || ::pipe(rep) != 0) throw std::runtime_error("pipe");
    SpawnOptions opts;
    opts.argv = {(dir / "launch_microtvm_api_server.sh").string(),
                 (dir / "microtvm_api_server.py").string(),
                 "--read-fd",
                 "3",
                 "--write-fd",
                 "4"};
    opts.argv.insert(opts.argv.end(), extra_args.begin(), extra_args.end());
    opts.cwd = dir;
    opts.keep_fds = {{3, req[0]}, {4, rep[1]}};
    process_ = Process::spawn(opts);
    ::close(req[0]);
    ::close(rep[1]);
    to_server_ = req[1];
    from_server_ = rep[0];
    reader_ = std::make_unique<project_api::LineReader>(from_server_);
  }
  ~SpawnedServer() {
    close_requests();
    ::close(from_server_);
  }

  Json call(std::string_view method, Json params) {
    project_api::write_line(
        to_server_, project_api::dump_ascii_json(
                        project_api::jsonrpc::make_request(method, std::move(params), ++id_)));
    auto line = reader_->read_line(project_api::LineReader::Clock::now() + 20s);
    if (!line) throw std::runtime_error("server exited without replying");
    return Json::parse(*line);
  }
  void close_requests() {
    if (to_server_ >= 0) ::close(to_server_);
    to_server_ = -1;
  }
  // Exit status after EOF on the request pipe.
  int finish() {
    close_requests();
    auto status = process_.wait_for(10s);
    if (!status) return -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  }

 private:
  Process process_;
  int to_server_ = -1, from_server_ = -1;
  int id_ = 0;
  std::unique_ptr<project_api::LineReader> reader_;
};

TEST(ExampleHandler, AdvertisesOptionsAndTemplateState) {
  TempDir tmp;
  ExampleHandler h(tmp.path);
  const auto info = h.server_info_query("0.13.dev0");
  EXPECT_EQ(info.platform_name, "example");
  EXPECT_TRUE(info.is_template);
  EXPECT_EQ(info.model_library_format_path, "");
  EXPECT_EQ(info.protocol_version, 1);
  bool has_required = false, has_choices = false;
  for (const auto& o : info.project_options) {
    has_required = has_required || o.is_required_for("generate_project");
    has_choices = has_choices || o.choices.has_value();
    EXPECT_TRUE(o.required || o.optional) << o.name;
  }
  EXPECT_TRUE(has_required);
  EXPECT_TRUE(has_choices);
}

TEST(ExampleHandler, LoopbackTransport) {
  TempDir tmp;
  ExampleHandler h(tmp.path);
  const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5};
  EXPECT_THROW(h.write_transport(data, 1.0), project_api::TransportClosedError);
  EXPECT_THROW(h.read_transport(4, 1.0), project_api::TransportClosedError);
  const auto t = h.open_transport({{"read_chunk_size", "2"}});
  EXPECT_EQ(t.session_start_timeout_sec, 5.0);
  EXPECT_THROW(h.read_transport(4, 0.0), project_api::IoTimeoutError);
  h.write_transport(data, std::nullopt);
  EXPECT_EQ(h.read_transport(4, 1.0), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(h.read_transport(1, 1.0), (std::vector<std::uint8_t>{3}));
  EXPECT_EQ(h.read_transport(9, 1.0), (std::vector<std::uint8_t>{4, 5}));
  EXPECT_THROW(h.read_transport(9, std::nullopt), project_api::IoTimeoutError);
  h.close_transport();
  h.close_transport();  // no-op when closed
  EXPECT_FALSE(h.transport_open());
  EXPECT_THROW(h.open_transport({{"read_chunk_size", "zero"}}), project_api::ServerError);
}

TEST(ExampleHandler, FailMethodAndRequiredOption) {
  TempDir tmp;
  ExampleHandler h(tmp.path);
  std::ofstream(tmp.path / "m.tar") << "not really a tar";
  try {
    h.generate_project(tmp.path / "m.tar", "/crt", tmp.path / "p", {{"board", "loopback"}});
    FAIL() << "expected an error";
  } catch (const project_api::ServerError& e) {
    EXPECT_EQ(e.message(), "generate_project: option project_type is required");
  }
  EXPECT_THROW(h.open_transport({{"fail_method", "open_transport"}}), project_api::ServerError);
  EXPECT_THROW(h.build({}), project_api::ServerError);  // a template cannot be built
}

TEST(ExampleServer, FullLifecycleThroughLaunchScripts) {
  if (!fs::exists(kTemplateDir / "launch_microtvm_api_server.sh")) {
    GTEST_SKIP() << "template not laid out at " << kTemplateDir;
  }
  TempDir tmp;
  const fs::path mlf = tmp.path / "input.tar";
  std::ofstream(mlf) << "pretend MLF bytes";
  const fs::path project = tmp.path / "proj";

  {
    SpawnedServer tmpl(kTemplateDir);
    Json info = tmpl.call("server_info_query", {{"tvm_version", "0.13.dev0"}});
    ASSERT_TRUE(info.contains("result")) << info.dump();
    EXPECT_EQ(info["result"]["is_template"], true);
    EXPECT_EQ(info["result"]["model_library_format_path"], "");
    Json options = {{"project_type", "host_driven"}, {"board", "loopback"}};
    Json gen = tmpl.call("generate_project", {{"model_library_format_path", mlf.string()},
                                              {"standalone_crt_dir", "/nonexistent/crt"},
                                              {"project_dir", project.string()},
                                              {"options", options}});
    EXPECT_TRUE(gen.contains("result") && gen["result"].is_null()) << gen.dump();
    // Generating over an existing directory is refused.
    gen = tmpl.call("generate_project", {{"model_library_format_path", mlf.string()},
                                         {"standalone_crt_dir", "/nonexistent/crt"},
                                         {"project_dir", project.string()},
                                         {"options", options}});
    EXPECT_EQ(gen["error"]["code"], -32000);
    EXPECT_EQ(tmpl.finish(), 0);
  }
  EXPECT_EQ(read_file(project / "model.tar"), "pretend MLF bytes");
  const Json marker = Json::parse(read_file(project / "project.json"));
  EXPECT_EQ(marker["options"]["project_type"], "host_driven");
  EXPECT_EQ(marker["standalone_crt_dir"], "/nonexistent/crt");

  SpawnedServer s(project);
  Json info = s.call("server_info_query", {{"tvm_version", "0.13.dev0"}});
  EXPECT_EQ(info["result"]["is_template"], false);
  EXPECT_EQ(info["result"]["model_library_format_path"], (project / "model.tar").string());

  Json r = s.call("flash", {{"options", Json::object()}});
  EXPECT_EQ(r["error"]["message"], "flash: no build in " + project.string() + "; run build first");
  r = s.call("build", {{"options", {{"verbose", "true"}}}});
  EXPECT_TRUE(r["result"].is_null()) << r.dump();
  r = s.call("flash", {{"options", Json::object()}});
  EXPECT_TRUE(r["result"].is_null()) << r.dump();
  EXPECT_EQ(read_file(project / "build" / "calls.log"), "build {\"verbose\":\"true\"}\nflash {}\n");
  r = s.call("build", {{"options", {{"fail_method", "build"}}}});
  EXPECT_EQ(r["error"]["message"], "build failed as requested by option fail_method");

  r = s.call("read_transport", {{"n", 4}, {"timeout_sec", 1.0}});
  EXPECT_EQ(r["error"]["message"], "TransportClosedError");
  r = s.call("open_transport", {{"options", {{"read_chunk_size", "2"}}}});
  EXPECT_EQ(project_api::dump_ascii_json(r["result"]),
            "{\"timeouts\": {\"session_start_retry_timeout_sec\": 2.0, "
            "\"session_start_timeout_sec\": 5.0, \"session_established_timeout_sec\": 5.0}}");
  r = s.call("write_transport", {{"data", "W^ZpB"}, {"timeout_sec", nullptr}});
  EXPECT_TRUE(r["result"].is_null()) << r.dump();
  r = s.call("read_transport", {{"n", 128}, {"timeout_sec", 1.0}});
  EXPECT_EQ(r["result"]["data"], "W^V");  // b85encode(b"fo")
  r = s.call("read_transport", {{"n", 128}, {"timeout_sec", 1.0}});
  EXPECT_EQ(r["result"]["data"], "ZyN");  // b85encode(b"o\x1b")
  r = s.call("read_transport", {{"n", 128}, {"timeout_sec", 0.0}});
  EXPECT_EQ(r["error"]["message"], "IoTimeoutError");
  r = s.call("close_transport", Json::object());
  EXPECT_TRUE(r["result"].is_null());
  EXPECT_EQ(s.finish(), 0);
}

int run_server_with(const std::vector<std::string>& args, std::string* err_text) {
  const fs::path server = fs::path(UTVM_BINARY_DIR) / "bin" / "utvm-example-server";
  TempDir tmp;
  const fs::path err_path = tmp.path / "stderr.txt";
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  SpawnOptions opts;
  opts.argv = {server.string()};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.stderr_fd = err_fd;
  opts.stdout_fd = err_fd;
  Process p = Process::spawn(opts);
  ::close(err_fd);
  const auto status = p.wait_for(10s);
  if (err_text) *err_text = read_file(err_path);
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

TEST(ExampleServer, CommandLineErrorsExitTwoWithUsage) {
  if (!fs::exists(fs::path(UTVM_BINARY_DIR) / "bin" / "utvm-example-server")) {
    GTEST_SKIP() << "server binary not built";
  }
  std::string err;
  EXPECT_EQ(run_server_with({}, &err), 2);
  EXPECT_NE(err.find("usage: utvm-example-server"), std::string::npos) << err;
  EXPECT_NE(err.find("the following arguments are required: --read-fd, --write-fd"),
            std::string::npos)
      << err;
  EXPECT_EQ(run_server_with({"--read-fd", "x", "--write-fd", "1"}, &err), 2);
  EXPECT_NE(err.find("argument --read-fd: invalid int value: 'x'"), std::string::npos) << err;
  EXPECT_EQ(run_server_with({"--read-fd", "0", "--write-fd", "1", "--bogus"}, &err), 2);
  EXPECT_NE(err.find("unrecognized arguments: --bogus"), std::string::npos) << err;
  EXPECT_EQ(run_server_with({"--read-fd", "77", "--write-fd", "1"}, &err), 2);
  EXPECT_EQ(run_server_with({"--help"}, &err), 0);
  EXPECT_NE(err.find("--read-fd READ_FD"), std::string::npos) << err;
}

}  // namespace
}  // namespace utvm::platforms::example
