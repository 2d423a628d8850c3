// Client tests over real pipes: against tests/python/microtvm_api_server.py (a Python server with
// TVM's wire behaviour and a misbehaviour switch) and against utvm's C++ example server.
#include "utvm/project_api/client.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "utvm/common/error.h"
#include "utvm/project_api/options.h"

namespace utvm::project_api {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

bool on_path(const std::string& program) {
  const char* path = ::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (::access((fs::path(dir.empty() ? "." : dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

const fs::path kPythonServer = fs::path(UTVM_SOURCE_DIR) / "tests/python/microtvm_api_server.py";
const fs::path kExampleTemplate = fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/example";

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether `pid` is gone or a zombie awaiting its reaper (polls up to ~5 s).
bool process_gone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    auto paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// The process exit code (ServerError::code() is the JSON-RPC code and hides Error::code()).
ExitCode exit_code(const Error& e) {
  return e.code();
}

// Runs fn, expects an exception of type E; returns what().
template <typename E>
std::string expect_throw(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

// A parameterised test's name ("Name/0") as one path component.
std::string flat(std::string name) {
  for (char& c : name)
    if (c == '/') c = '_';
  return name;
}

class PythonServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!on_path("python3")) GTEST_SKIP() << "python3 not found on PATH";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("utvm_client_test_" + flat(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    template_dir_ = root_ / "template";
    fs::create_directories(template_dir_);
    fs::copy_file(kPythonServer, template_dir_ / "microtvm_api_server.py");
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }

  // A launch script like Zephyr's: runs python on its first five arguments; records its argv.
  void add_launch_script() {
    auto script = template_dir_ / "launch_microtvm_api_server.sh";
    std::ofstream(script) << "#!/bin/sh\n"
                             "echo \"$@\" > \"$(dirname \"$0\")/launch_args.txt\"\n"
                             "exec python3 \"$1\" \"$2\" \"$3\" \"$4\" \"$5\"\n";
    ::chmod(script.c_str(), 0755);
  }

  Client launch(ClientConfig config = {}) {
    config.python = "python3";
    return Client::launch(template_dir_, config);
  }

  // Makes a generated project from the template; returns its directory.
  fs::path generate() {
    auto mlf = root_ / "model.tar";
    std::ofstream(mlf) << "not really a tar";
    auto project = root_ / "project";
    Client c = launch();
    auto info = c.server_info_query();
    c.generate_project(mlf, root_ / "crt", project,
                       resolve_options("generate_project", info.project_options,
                                       {{"project_type", "host_driven"}}));
    return project;
  }

  std::string context(const std::string& method) const {
    return "calling method " + method + " on the Project API server in " + template_dir_.string();
  }

  fs::path root_, template_dir_;
};

TEST(ClientLaunch, NoServerInDirectory) {
  auto dir = fs::temp_directory_path() / ("utvm_client_empty_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  try {
    Client::launch(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kServerNotFound);
    EXPECT_EQ(std::string(e.what()),
              "No Project API server found in project directory: " + dir.string() +
                  "\nTried: launch_microtvm_api_server.sh, microtvm_api_server.py");
  }
  fs::remove_all(dir);
}

TEST_F(PythonServerTest, ServerInfoQueryThroughPython) {
  Client c = launch();
  EXPECT_EQ(c.server_dir(), template_dir_);
  EXPECT_GT(c.server_pid(), 0);
  ServerInfo info = c.server_info_query("0.13.dev0");
  EXPECT_EQ(info.platform_name, "pytest");
  EXPECT_TRUE(info.is_template);
  EXPECT_EQ(info.model_library_format_path, "");
  EXPECT_EQ(info.protocol_version, 1);
  ASSERT_EQ(info.project_options.size(), 4u);
  EXPECT_EQ(info.project_options[0].name, "verbose");
  EXPECT_EQ(info.project_options[2].default_value, 2097152);
}

TEST_F(PythonServerTest, LaunchScriptIsPreferredAndGetsThePyPath) {
  add_launch_script();
  ClientConfig config;
  config.python = "utvm-python-that-does-not-exist";  // must not be used
  Client c = Client::launch(template_dir_, config);
  EXPECT_EQ(c.server_info_query().platform_name, "pytest");
  EXPECT_EQ(read_file(template_dir_ / "launch_args.txt"),
            (template_dir_ / "microtvm_api_server.py").string() + " --read-fd 3 --write-fd 4\n");
}

TEST_F(PythonServerTest, RelativeDirectoryIsMadeAbsolute) {
  auto saved = fs::current_path();
  fs::current_path(root_);
  ClientConfig config;
  config.python = "python3";
  Client c = Client::launch("template", config);
  fs::current_path(saved);
  EXPECT_EQ(c.server_dir(), template_dir_);
  EXPECT_TRUE(c.server_info_query().is_template);
}

TEST_F(PythonServerTest, MissingInterpreterIsAServerError) {
  ClientConfig config;
  config.python = "utvm-python-that-does-not-exist";
  try {
    Client::launch(template_dir_, config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kServerError);
    EXPECT_THAT(e.what(),
                HasSubstr("starting the Project API server in " + template_dir_.string()));
    EXPECT_THAT(e.what(), HasSubstr("utvm-python-that-does-not-exist"));
  }
}

TEST_F(PythonServerTest, NonExecutableLaunchScriptIsAServerError) {
  add_launch_script();
  ::chmod((template_dir_ / "launch_microtvm_api_server.sh").c_str(), 0644);
  try {
    launch();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kServerError);
    EXPECT_THAT(e.what(), HasSubstr("launch_microtvm_api_server.sh"));
    EXPECT_THAT(e.what(), HasSubstr("Permission denied"));
  }
}

TEST_F(PythonServerTest, GenerateThenBuildWithDefaults) {
  fs::path project = generate();
  ASSERT_TRUE(fs::exists(project / "model.tar"));
  // generate_project received typed options plus every default.
  auto gen_opts = nlohmann::json::parse(read_file(project / "generate_options.json"));
  EXPECT_EQ(gen_opts["project_type"], "host_driven");
  EXPECT_EQ(gen_opts["workspace_size_bytes"], 2097152);
  EXPECT_EQ(gen_opts["verbose"], false);
  EXPECT_TRUE(gen_opts["misbehave"].is_null());

  ClientConfig config;
  config.python = "python3";
  Client c = Client::launch(project, config);
  auto info = c.server_info_query();
  EXPECT_FALSE(info.is_template);
  EXPECT_EQ(info.model_library_format_path, (project / "model.tar").string());
  c.build(resolve_options("build", info.project_options, {{"verbose", "true"}}));
  auto build_opts = nlohmann::json::parse(read_file(project / "build_options.json"));
  EXPECT_EQ(build_opts["verbose"], true);
  EXPECT_TRUE(build_opts["project_type"].is_null());
  // tvmc compatibility: the value travels as a string.
  c.build(
      resolve_options("build", info.project_options, {{"verbose", "true"}}, ValueMode::kStrings));
  build_opts = nlohmann::json::parse(read_file(project / "build_options.json"));
  EXPECT_EQ(build_opts["verbose"], "true");
  c.flash(nullptr);
}

TEST_F(PythonServerTest, TransportLoopbackAndTypedErrors) {
  Client c = launch();
  // Not open yet: TransportClosedError by type, mapped to the transport exit code.
  try {
    c.read_transport(16, 1.0);
    FAIL() << "expected TransportClosedError";
  } catch (const TransportClosedError& e) {
    EXPECT_EQ(exit_code(e), ExitCode::kTransport);
    EXPECT_THAT(e.what(), HasSubstr(context("read_transport") +
                                    ": JSON-RPC error # -32000: TransportClosedError\n"));
  }
  TransportTimeouts t = c.open_transport({});
  EXPECT_EQ(t.session_start_retry_timeout_sec, 1.0);
  EXPECT_EQ(t.session_start_timeout_sec, 2.0);
  EXPECT_EQ(t.session_established_timeout_sec, 3.0);
  const std::vector<std::uint8_t> foo = {'f', 'o', 'o', 0x1b};
  c.write_transport(foo, 5.0);
  EXPECT_EQ(c.read_transport(128, 5.0), foo);
  std::vector<std::uint8_t> big(100000);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<std::uint8_t>(i * 7 + 3);
  c.write_transport(big, std::nullopt);
  std::vector<std::uint8_t> back;
  while (back.size() < big.size())
    c.read_transport_into(40000, 0.0, back);
  EXPECT_EQ(back, big);
  auto text = expect_throw<IoTimeoutError>([&] { c.read_transport(4, 0.0); });
  EXPECT_THAT(text, HasSubstr(context("read_transport")));
  c.close_transport();
  EXPECT_THROW(c.write_transport(foo, 1.0), TransportClosedError);
  // Error replies leave the connection usable.
  EXPECT_EQ(c.server_info_query().platform_name, "pytest");
}

TEST_F(PythonServerTest, ServerErrorFromBuildCarriesTracebackAndBuildExitCode) {
  Client c = launch();
  try {
    c.build({{"misbehave", "server_error"}});
    FAIL() << "expected ServerError";
  } catch (const ServerError& e) {
    EXPECT_EQ(exit_code(e), ExitCode::kBuildFailed);
    EXPECT_EQ(e.message(), "calling method build");
    EXPECT_THAT(e.what(),
                HasSubstr(context("build") + ": JSON-RPC error # -32000: calling method build\n"));
    EXPECT_THAT(e.what(), HasSubstr("RuntimeError: test server asked to fail"));
  }
  try {
    c.flash({{"misbehave", "server_error"}});
    FAIL() << "expected ServerError";
  } catch (const ServerError& e) {
    EXPECT_EQ(exit_code(e), ExitCode::kFlashFailed);
  }
  try {
    c.open_transport({{"misbehave", "server_error"}});
    FAIL() << "expected ServerError";
  } catch (const ServerError& e) {
    EXPECT_EQ(exit_code(e), ExitCode::kServerError);
  }
}

TEST_F(PythonServerTest, MoreBytesThanAskedForIsRefused) {
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "overlong_read");
  Client c = launch();
  c.open_transport({});
  c.write_transport(std::vector<std::uint8_t>{1, 2, 3}, 1.0);
  std::vector<std::uint8_t> out = {9};
  EXPECT_EQ(expect_throw<ProtocolError>([&] { c.read_transport_into(2, 1.0, out); }),
            context("read_transport") + ": the server returned 3 bytes for n=2");
  EXPECT_EQ(out, std::vector<std::uint8_t>{9});  // nothing appended
}

TEST_F(PythonServerTest, UnsupportedTvmVersionByType) {
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "unsupported_tvm");
  Client c = launch();
  auto text = expect_throw<UnsupportedTVMVersionError>([&] { c.server_info_query(); });
  EXPECT_THAT(text, HasSubstr("UnsupportedTVMVersionError"));
}

TEST_F(PythonServerTest, WrongProtocolVersion) {
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "protocol0");
  Client c = launch();
  EXPECT_EQ(
      expect_throw<ProtocolError>([&] { c.server_info_query(); }),
      context("server_info_query") + ": microTVM API Server supports protocol version 0; want 1");
}

TEST_F(PythonServerTest, MissingProtocolVersion) {
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "no_protocol");
  Client c = launch();
  EXPECT_THAT(expect_throw<ProtocolError>([&] { c.server_info_query(); }),
              HasSubstr(context("server_info_query") + ": the reply has no protocol_version"));
}

// Each protocol failure: a clear error naming the method and the directory, the server stopped,
// and later calls refused.
struct Misbehaviour {
  const char* mode;
  const char* expected;  // substring of what()
};

void PrintTo(const Misbehaviour& m, std::ostream* os) {
  *os << m.mode;
}

class PythonServerMisbehaviour : public PythonServerTest,
                                 public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(PythonServerMisbehaviour, FailsCleanlyAndClosesTheConnection) {
  ClientConfig config;
  config.max_line = 1 << 20;
  config.build_timeout = 10000ms;  // a safety net; none of these should need it
  Client c = launch(config);
  c.server_info_query();
  int pid = c.server_pid();
  ASSERT_GT(pid, 0);
  std::string text = expect_throw<ProtocolError>([&] {
    c.build({{"misbehave", GetParam().mode}});
  });
  EXPECT_THAT(text, HasSubstr(context("build") + ": "));
  EXPECT_THAT(text, HasSubstr(GetParam().expected));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("no reply within")));
  EXPECT_TRUE(process_gone(pid));
  EXPECT_EQ(expect_throw<ConnectionShutdownError>([&] { c.flash({}); }),
            context("flash") + ": connection already closed");
}

INSTANTIATE_TEST_SUITE_P(
    Modes, PythonServerMisbehaviour,
    ::testing::Values(
        Misbehaviour{"garbage", "reply is not valid JSON"},
        Misbehaviour{"close", "got EOF reading reply from API server (the server exited with 0)"},
        Misbehaviour{"exit3", "got EOF reading reply from API server (the server exited with 3)"},
        Misbehaviour{"wrong_id", "Reply id (3) does not equal request id (2"},
        Misbehaviour{"endless", "line longer than 1048576 bytes"},
        Misbehaviour{"bad_jsonrpc",
                     "Server reply should include 'jsonrpc': '2.0'; saw jsonrpc='1.0'"},
        Misbehaviour{"no_result", "Expected 'result' key in server reply"}),
    [](const auto& info) { return std::string(info.param.mode); });

TEST_F(PythonServerTest, UnknownErrorCodeNamesMethodAndDirectory) {
  Client c = launch();
  try {
    c.build({{"misbehave", "unknown_code"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kServerError);
    EXPECT_THAT(e.what(), HasSubstr(context("build")));
    EXPECT_THAT(e.what(), HasSubstr("-32099"));
  }
}

TEST_F(PythonServerTest, HangingServerHitsTheDeadlineAndIsKilled) {
  ClientConfig config;
  config.build_timeout = 300ms;
  Client c = launch(config);
  int pid = c.server_pid();
  auto text = expect_throw<ProtocolError>([&] { c.build({{"misbehave", "hang"}}); });
  EXPECT_THAT(text, HasSubstr(context("build") +
                              ": no reply within 0.3 s (ClientConfig::build_timeout); stopped "
                              "the server (the server killed by signal 15 (SIGTERM))"));
  EXPECT_TRUE(process_gone(pid));
}

TEST_F(PythonServerTest, QueryTimeoutAppliesToServerInfoQuery) {
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "hang");
  ClientConfig config;
  config.query_timeout = 200ms;
  Client c = launch(config);
  EXPECT_THAT(expect_throw<ProtocolError>([&] { c.server_info_query(); }),
              HasSubstr("no reply within 0.2 s (ClientConfig::query_timeout)"));
}

TEST_F(PythonServerTest, TransportDeadlineIsTimeoutPlusSlack) {
  ClientConfig config;
  config.transport_timeout_slack = 100ms;
  Client c = launch(config);
  c.open_transport({});
  c.build({});                                   // healthy so far
  ScopedEnv env("UTVM_TEST_MISBEHAVE", "hang");  // affects only servers launched from now on
  Client h = launch(config);
  EXPECT_THAT(expect_throw<ProtocolError>([&] { h.read_transport(4, 0.1); }),
              HasSubstr("no reply within 0.2 s (ClientConfig::transport_timeout_slack)"));
}

TEST_F(PythonServerTest, HangingServerWithChildLeavesNothingBehind) {
  auto pid_file = root_ / "child.pid";
  ScopedEnv env("UTVM_TEST_PID_FILE", pid_file.string());
  ClientConfig config;
  config.build_timeout = 2000ms;  // room for a loaded machine to start the child first
  Client c = launch(config);
  c.server_info_query();  // the interpreter is up: the deadline covers only the build call
  expect_throw<ProtocolError>([&] { c.build({{"misbehave", "child_hang"}}); });
  ASSERT_TRUE(fs::exists(pid_file));
  pid_t child = std::stoi(read_file(pid_file));
  EXPECT_TRUE(process_gone(child));
}

TEST_F(PythonServerTest, ServerExitingWhileItsChildHoldsThePipeIsNoticed) {
  // No deadline at all: the client must notice the exit instead of waiting for an EOF that the
  // child's copy of the pipe never lets come.
  auto pid_file = root_ / "child.pid";
  ScopedEnv env("UTVM_TEST_PID_FILE", pid_file.string());
  Client c = launch();
  auto text = expect_throw<ProtocolError>([&] { c.build({{"misbehave", "child_exit"}}); });
  EXPECT_THAT(text, HasSubstr(context("build") + ": the server exited without replying"));
  EXPECT_THAT(text, HasSubstr("exited with 4"));
  ASSERT_TRUE(fs::exists(pid_file));
  EXPECT_TRUE(process_gone(std::stoi(read_file(pid_file))));
}

TEST_F(PythonServerTest, ShutdownStopsTheServerAndLaterCallsFail) {
  Client c = launch();
  c.server_info_query();
  int pid = c.server_pid();
  c.shutdown();
  EXPECT_TRUE(process_gone(pid));
  EXPECT_EQ(c.server_pid(), -1);
  ASSERT_TRUE(c.server_exit_status().has_value());
  EXPECT_EQ(*c.server_exit_status(), 0);  // exited by itself on EOF
  EXPECT_EQ(expect_throw<ConnectionShutdownError>([&] { c.server_info_query(); }),
            context("server_info_query") + ": connection already closed");
  c.shutdown();  // idempotent
}

TEST_F(PythonServerTest, OptionsMustBeAnObject) {
  Client c = launch();
  try {
    c.build(nlohmann::json::array({1, 2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
  }
  c.build({});  // the connection is still fine
}

TEST_F(PythonServerTest, DestructorReapsAndMovedFromIsHarmless) {
  int pid;
  {
    Client a = launch();
    pid = a.server_pid();
    Client b = std::move(a);
    b.server_info_query();
    EXPECT_THROW(a.server_info_query(),
                 ConnectionShutdownError);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(a.server_pid(), -1);
  }
  EXPECT_TRUE(process_gone(pid));
}

// ---- the C++ example server -------------------------------------------------------------------

class ExampleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kExampleTemplate / "launch_microtvm_api_server.sh"))
      GTEST_SKIP() << "example server template not built at " << kExampleTemplate
                   << " (build target utvm-example-server)";
  }
};

TEST_F(ExampleServerTest, QueryAndTransportLoopback) {
  Client c = Client::launch(kExampleTemplate);
  ServerInfo info = c.server_info_query();
  EXPECT_EQ(info.protocol_version, 1);
  EXPECT_FALSE(info.platform_name.empty());
  c.open_transport(fill_defaults(nlohmann::json::object(), info.project_options));
  std::vector<std::uint8_t> data(65536);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<std::uint8_t>(i ^ (i >> 8));
  c.write_transport(data, 5.0);
  std::vector<std::uint8_t> back;
  while (back.size() < data.size()) {
    if (c.read_transport_into(data.size() - back.size(), 5.0, back) == 0) break;
  }
  EXPECT_EQ(back, data);
  c.close_transport();
  int pid = c.server_pid();
  c.shutdown();
  EXPECT_TRUE(process_gone(pid));
  ASSERT_TRUE(c.server_exit_status().has_value());
  EXPECT_EQ(*c.server_exit_status(), 0);
}

TEST_F(ExampleServerTest, GenerateBuildFlashWithResolvedOptions) {
  auto root = fs::temp_directory_path() / ("utvm_client_example_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  auto mlf = root / "model.tar";
  std::ofstream(mlf) << "placeholder archive";
  auto project = root / "project";
  {
    Client t = Client::launch(kExampleTemplate);
    auto info = t.server_info_query();
    ASSERT_TRUE(info.is_template);
    // The help text the CLI would print for this template.
    EXPECT_THAT(format_options_help("generate_project", info.project_options),
                HasSubstr("project_type={host_driven, aot_standalone_demo}\n"
                          "  type of project to generate. (required)"));
    EXPECT_THROW(resolve_options("generate_project", info.project_options, {}), Error);
    t.generate_project(mlf, root / "crt", project,
                       resolve_options("generate_project", info.project_options,
                                       parse_option_tokens({"project_type=host_driven"})));
  }
  Client c = Client::launch(project);
  auto info = c.server_info_query();
  EXPECT_FALSE(info.is_template);
  c.build(resolve_options("build", info.project_options, {{"verbose", "true"}}));
  c.flash(resolve_options("flash", info.project_options, {}));
  std::string log = read_file(project / "build" / "calls.log");
  EXPECT_THAT(log, HasSubstr("\"verbose\":true"));
  EXPECT_THAT(log, HasSubstr("\"workspace_size_bytes\":2097152"));  // default filled in
  // A build failure is a ServerError with the build exit code and full context.
  try {
    c.build(resolve_options("build", info.project_options, {{"fail_method", "build"}}));
    FAIL() << "expected ServerError";
  } catch (const ServerError& e) {
    EXPECT_EQ(exit_code(e), ExitCode::kBuildFailed);
    EXPECT_THAT(e.what(),
                HasSubstr("calling method build on the Project API server in " + project.string() +
                          ": JSON-RPC error # -32000: build failed "
                          "as requested by option fail_method"));
  }
  // Partial reads are reassembled by the caller.
  c.open_transport(
      resolve_options("open_transport", info.project_options, {{"read_chunk_size", "1000"}}));
  std::vector<std::uint8_t> data(5000, 0x5a);
  c.write_transport(data, std::nullopt);
  EXPECT_EQ(c.read_transport(5000, 1.0).size(), 1000u);
  c.close_transport();
  c.shutdown();
  fs::remove_all(root);
}

}  // namespace
}  // namespace utvm::project_api
