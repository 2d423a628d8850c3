// End-to-end tests of the utvm binary: help and error texts (goldens in tests/cli/golden/),
// exit codes, options persisted in utvm-project.json, a Python and a shell template driven through
// create-project / build / flash, relative paths, NO_COLOR and Ctrl-C.
// Set UTVM_UPDATE_GOLDEN=1 to rewrite the golden files from the current output.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_util.h"  // mlf/testing: tar archives in memory
#include "utvm/common/subprocess.h"
#include "utvm/mlf/archive.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kUtvm = fs::path(UTVM_BINARY_DIR) / "bin" / "utvm";
const fs::path kTemplates = fs::path(UTVM_SOURCE_DIR) / "tests/cli/templates";
const fs::path kGolden = fs::path(UTVM_SOURCE_DIR) / "tests/cli/golden";

struct Result {
  int rc = -1;
  std::string out, err;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

bool has_python() {
  return std::system("python3 --version >/dev/null 2>&1") == 0;
}

class CliTest : public ::testing::Test {
 protected:
  fs::path dir;  // a fresh working directory per test
  std::vector<std::pair<std::string, std::string>> env;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = fs::temp_directory_path() /
          (std::string("utvm_cli_") + info->name() + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    // No built-in platforms unless a test adds some: the goldens do not depend on the build.
    fs::create_directories(dir / "data/platforms");
    // Test templates are not utvm's own, so they get TVM's standalone CRT: a stand-in tree
    // with TVM's layout (TVM is not in Debian), unless a test says otherwise.
    write_file(dir / "tvm_crt/include/tvm/runtime/c_runtime_api.h", "// from TVM_CRT_DIR\n");
    fs::create_directories(dir / "tvm_crt/src/runtime/crt");
    env = {{"UTVM_DATA_DIR", (dir / "data").string()},
           {"NO_COLOR", ""},
           {"TVM_CRT_DIR", (dir / "tvm_crt").string()}};
  }
  void set_env(const std::string& name, const std::string& value) {
    for (auto& kv : env)
      if (kv.first == name) kv.second = value;
  }
  void TearDown() override { fs::remove_all(dir); }

  Result run(std::vector<std::string> args, fs::path cwd = {}) {
    args.insert(args.begin(), kUtvm.string());
    int out = ::open((dir / ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = ::open((dir / ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    utvm::SpawnOptions o;
    o.argv = args;
    o.cwd = cwd.empty() ? dir : cwd;
    o.stdin_fd = in;
    o.stdout_fd = out;
    o.stderr_fd = err;
    o.extra_env = env;
    Result r;
    {
      auto p = utvm::Process::spawn(o);
      auto status = p.wait_for(60s);
      if (!status) {
        p.terminate();
        ADD_FAILURE() << "utvm hung";
      } else {
        r.rc = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
      }
    }
    ::close(out);
    ::close(err);
    ::close(in);
    r.out = read_file(dir / ".out");
    r.err = read_file(dir / ".err");
    return r;
  }

  // Compares `text` with tests/cli/golden/<name> after replacing the test directory by <DIR>.
  void golden(const std::string& name, std::string text) {
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {dir.string(), "<DIR>"}, {UTVM_SOURCE_DIR, "<SRC>"}}) {
      for (std::size_t pos; (pos = text.find(from)) != std::string::npos;) {
        text.replace(pos, from.size(), to);
      }
    }
    const fs::path file = kGolden / name;
    if (std::getenv("UTVM_UPDATE_GOLDEN")) write_file(file, text);
    ASSERT_TRUE(fs::exists(file)) << "missing golden " << file << " (UTVM_UPDATE_GOLDEN=1)";
    EXPECT_EQ(text, read_file(file)) << "golden " << name;
  }

  std::string mlf() {
    // Any MLF works for the test templates (create-project checks it is one): a fixture when
    // present, else the build's example.
    fs::path fx = fs::path(UTVM_SHARED_DIR) / "fixtures/mlf/sine_aot_v5.tar";
    if (fs::exists(fx)) return fx.string();
    return (fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar").string();
  }

  std::vector<nlohmann::json> calls(const fs::path& project) {
    std::vector<nlohmann::json> out;
    std::ifstream in(project / "calls.jsonl");
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line));
    return out;
  }
};

#define REQUIRE_PYTHON() \
  if (!has_python()) GTEST_SKIP() << "python3 not found: the Python template cannot run"

// ---- help and usage -----------------------------------------------------------------------------

TEST_F(CliTest, HelpGoldens) {
  for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"help_create_project.txt", {"create-project", "--help"}},
           {"help_build.txt", {"build", "--help"}},
           {"help_flash.txt", {"flash", "--help"}},
           {"help_list_options.txt", {"list-options", "--help"}},
           {"help_micro.txt", {"micro", "--help"}},
           {"help_micro_build.txt", {"micro", "build", "--help"}},
           {"help_platforms.txt", {"platforms", "--help"}},
           {"help_boards.txt", {"boards", "--help"}},
           {"help_doctor.txt", {"doctor", "--help"}},
           {"help_completion.txt", {"completion", "--help"}},
           {"help_bench.txt", {"bench", "--help"}},
           {"help_serve.txt", {"serve", "--help"}},
       }) {
    Result r = run(args);
    EXPECT_EQ(r.rc, 0) << name;
    EXPECT_EQ(r.err, "") << name;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << name;
    golden(name, r.out);
  }
}

TEST_F(CliTest, RootHelpAndVersion) {
  Result r = run({"--help"});
  EXPECT_EQ(r.rc, 0);
  for (const char* cmd : {"create-project", "build", "flash", "micro", "list-options", "platforms",
                          "boards", "doctor", "completion"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
  r = run({});
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("Usage: utvm"), std::string::npos);
  r = run({"--version"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("utvm ", 0), 0u);
}

// `utvm help`: a command's own --help, or a topic; an unknown one is a usage error with a hint.
TEST_F(CliTest, HelpCommandAndTopics) {
  EXPECT_EQ(run({"help", "run"}).out, run({"run", "--help"}).out);
  EXPECT_EQ(run({"help", "micro", "create-project"}).out,
            run({"micro", "create-project", "--help"}).out);
  EXPECT_EQ(run({"help"}).out, run({"--help"}).out);
  Result r = run({"help", "exit-codes"});
  EXPECT_EQ(r.rc, 0);
  for (const char* code : {"  0  ", "  2  ", " 10  ", " 11  ", " 12  ", "130  "})
    EXPECT_NE(r.out.find(code), std::string::npos) << code << " in\n" << r.out;
  for (const char* topic : {"options", "platforms", "environment"}) {
    r = run({"help", topic});
    EXPECT_EQ(r.rc, 0) << topic;
    EXPECT_FALSE(r.out.empty()) << topic;
  }
  EXPECT_NE(run({"help", "environment"}).out.find("CMSIS_PATH"), std::string::npos);
  r = run({"help", "exit-code"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("did you mean 'exit-codes'?"), std::string::npos) << r.err;
}

TEST_F(CliTest, UsageErrorsExit2) {
  Result r = run({"no-such-command"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no-such-command"), std::string::npos);
  EXPECT_EQ(run({"build", "--no-such-flag"}).rc, 2);
  EXPECT_EQ(run({"completion", "tcsh"}).rc, 2);
  r = run({"micro"});
  EXPECT_EQ(r.rc, 2);
  r = run({"build"});
  EXPECT_EQ(r.rc, 2);
  golden("err_build_no_dir.txt", r.err);
  r = run({"create-project", "p"});
  EXPECT_EQ(r.rc, 2);
  golden("err_create_no_mlf.txt", r.err);
  r = run({"create-project", "p", mlf(), "nosuchplatform"});
  EXPECT_EQ(r.rc, 2);
  golden("err_unknown_platform.txt", r.err);
  r = run({"create-project", "p", mlf(), "template"});
  EXPECT_EQ(r.rc, 2);
  golden("err_template_needs_dir.txt", r.err);
}

// ---- create-project errors
// ------------------------------------------------------------------------

TEST_F(CliTest, CreateErrorPaths) {
  REQUIRE_PYTHON();
  const std::string t = (kTemplates / "python").string();
  Result r = run({"create-project", "p", "missing.tar", "template", "--template-dir", t});
  EXPECT_EQ(r.rc, 10);
  golden("err_mlf_missing.txt", r.err);

  r = run({"create-project", "p", mlf(), "template", "--template-dir", "nowhere"});
  EXPECT_EQ(r.rc, 4);
  golden("err_template_missing.txt", r.err);

  fs::create_directories(dir / "empty_template");
  r = run({"create-project", "p", mlf(), "template", "--template-dir", "empty_template"});
  EXPECT_EQ(r.rc, 4);
  golden("err_no_server.txt", r.err);

  r = run({"create-project", "p", mlf(), "template", "--template-dir", t});
  EXPECT_EQ(r.rc, 3);
  golden("err_required_option.txt", r.err);

  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option",
           "board=nope"});
  EXPECT_EQ(r.rc, 3);
  golden("err_bad_choice.txt", r.err);

  r = run(
      {"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option", "board"});
  EXPECT_EQ(r.rc, 3);
  golden("err_option_format.txt", r.err);

  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option",
           "board=qemu_x86", "colour=red"});
  EXPECT_EQ(r.rc, 3);
  golden("err_invalid_option.txt", r.err);

  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option",
           "board=qemu_x86", "workspace_size_bytes=lots"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(r.err.find("workspace_size_bytes"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "p"));

  // An existing directory is never replaced without -f; with -f a bad option keeps it intact.
  // (-f replaces only utvm projects: tests/reliability/ checks the other folders.)
  write_file(dir / "p/keep.txt", "mine");
  write_file(dir / "p/utvm-project.json", "{}");
  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option",
           "board=qemu_x86"});
  EXPECT_EQ(r.rc, 2);
  golden("err_project_exists.txt", r.err);
  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "-f", "--project-option",
           "board=nope"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_TRUE(fs::exists(dir / "p/keep.txt"));
  r = run({"create-project", "p", mlf(), "template", "--template-dir", t, "-f", "--project-option",
           "board=qemu_x86"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "p/keep.txt"));
  EXPECT_TRUE(fs::exists(dir / "p/utvm-project.json"));
}

TEST_F(CliTest, BrokenServerExits5) {
  write_file(dir / "broken/launch_microtvm_api_server.sh",
             "#!/bin/sh\necho 'this is not JSON' >&4\nexit 0\n");
  fs::permissions(dir / "broken/launch_microtvm_api_server.sh", fs::perms::owner_all);
  Result r = run({"create-project", "p", mlf(), "template", "--template-dir", "broken"});
  EXPECT_EQ(r.rc, 5) << r.err;
  EXPECT_NE(r.err.find("server_info_query"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find((dir / "broken").string()), std::string::npos) << r.err;
  r = run({"list-options", "--template-dir", "broken"});
  EXPECT_EQ(r.rc, 5) << r.err;
}

// ---- TVM's standalone CRT for templates that are not utvm's own ---------------------------------

TEST_F(CliTest, ATemplateGetsTvmsCrtNotUtvmsRuntime) {
  REQUIRE_PYTHON();
  const std::string t = (kTemplates / "python").string();
  // $TVM_CRT_DIR
  Result r = run({"create-project", "p1", mlf(), "template", "--template-dir", t,
                  "--project-option", "board=qemu_x86"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(read_file(dir / "p1/standalone_crt_dir.txt"), (dir / "tvm_crt").string());
  EXPECT_EQ(read_file(dir / "p1/crt/include/tvm/runtime/c_runtime_api.h"), "// from TVM_CRT_DIR\n");
  EXPECT_NE(r.err.find("TVM's CRT from $TVM_CRT_DIR"), std::string::npos) << r.err;
  // --standalone-crt-dir wins over the environment.
  write_file(dir / "flag_crt/include/tvm/runtime/c_runtime_api.h", "// from the flag\n");
  fs::create_directories(dir / "flag_crt/src/runtime/crt");
  r = run({"micro", "create-project", "p2", mlf(), "template", "--template-dir", t,
           "--standalone-crt-dir", "flag_crt", "--project-option", "board=qemu_x86"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(read_file(dir / "p2/crt/include/tvm/runtime/c_runtime_api.h"), "// from the flag\n");
  // An archive that bundles TVM's CRT in ./runtime (as TVM's AOT exports do) brings its own.
  {
    // The model's own members (a real MLF, so create-project's check passes) plus ./runtime.
    utvm::mlf::testing::TarWriter t;
    t.dir("./");
    const utvm::mlf::Archive model = utvm::mlf::Archive::read(mlf());
    for (const auto& [name, data] : model.members())
      if (name.rfind("runtime/", 0) != 0) t.file("./" + name, data);
    t.dir("./runtime/")
        .file("./runtime/include/tvm/runtime/c_runtime_api.h", "// bundled with the model\n")
        .dir("./runtime/src/runtime/crt/");
    write_file(dir / "bundled.tar", t.finish());
  }
  r = run({"create-project", "p3", (dir / "bundled.tar").string(), "template", "--template-dir", t,
           "--project-option", "board=qemu_x86"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(read_file(dir / "p3/crt/include/tvm/runtime/c_runtime_api.h"),
            "// bundled with the model\n");
  EXPECT_FALSE(fs::exists(read_file(dir / "p3/standalone_crt_dir.txt")))
      << "the extracted ./runtime outlived create-project";
}

TEST_F(CliTest, ATemplateWithoutTvmsCrtFailsBeforeAnythingIsCreated) {
  REQUIRE_PYTHON();
  set_env("TVM_CRT_DIR", "");
  Result r = run({"create-project", "p", mlf(), "template", "--template-dir",
                  (kTemplates / "python").string(), "--project-option", "board=qemu_x86"});
  EXPECT_EQ(r.rc, 3) << r.err;
  for (const char* want : {"--standalone-crt-dir", "$TVM_CRT_DIR", "./runtime"})
    EXPECT_NE(r.err.find(want), std::string::npos) << want << " not in: " << r.err;
  EXPECT_FALSE(fs::exists(dir / "p"));
  fs::create_directories(dir / "not_a_crt");
  r = run({"create-project", "p", mlf(), "template", "--template-dir",
           (kTemplates / "python").string(), "--standalone-crt-dir", "not_a_crt",
           "--project-option", "board=qemu_x86"});
  EXPECT_EQ(r.rc, 3) << r.err;
  EXPECT_NE(r.err.find("c_runtime_api.h"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "p"));
}

// ---- persisted options, Python template --------------------------------------------------------

TEST_F(CliTest, PythonTemplateCreateBuildFlashWithPersistedOptions) {
  REQUIRE_PYTHON();
  Result r = run({"create-project", "proj", mlf(), "template", "--template-dir",
                  (kTemplates / "python").string(), "--project-option", "board=nucleo_f746zg",
                  "workspace_size_bytes=4096"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "");  // status goes to stderr; stdout is for data

  auto pj = nlohmann::json::parse(read_file(dir / "proj/utvm-project.json"));
  EXPECT_EQ(pj["schema_version"], 1);
  EXPECT_EQ(pj["platform"], "template");
  EXPECT_EQ(pj["platform_name"], "pytemplate");
  EXPECT_EQ(pj["template_dir"], (kTemplates / "python").string());
  EXPECT_EQ(pj["mlf"]["path"], mlf());
  EXPECT_EQ(pj["mlf"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(pj["options"]["board"]["value"], "nucleo_f746zg");
  EXPECT_EQ(pj["options"]["board"]["source"], "command line");
  EXPECT_EQ(pj["options"]["workspace_size_bytes"]["value"], 4096);  // typed by the option's type
  EXPECT_EQ(pj["options"]["project_type"]["value"], "host_driven");
  EXPECT_EQ(pj["options"]["project_type"]["source"], "default");
  auto gen = nlohmann::json::parse(read_file(dir / "proj/generate_options.json"));
  EXPECT_EQ(gen["board"], "nucleo_f746zg");
  EXPECT_EQ(gen["verbose"], false);  // every advertised option is filled with its default

  // build with no options: the board given at creation reaches the server.
  r = run({"build", "proj"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto c = calls(dir / "proj");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["method"], "build");
  EXPECT_EQ(c[0]["options"]["board"], "nucleo_f746zg");
  EXPECT_EQ(c[0]["options"]["workspace_size_bytes"], 4096);
  EXPECT_EQ(c[0]["options"]["verbose"], false);
  // Build output went to the log, not to the terminal.
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.find("compiling unit"), std::string::npos);
  EXPECT_NE(read_file(dir / "proj/build/utvm-build.log").find("compiling unit 30 of 30"),
            std::string::npos);

  // An incremental build does not delete anything; options on the command line override.
  write_file(dir / "proj/build/keep.o", "x");
  r = run({"build", "proj", "--project-option", "verbose=true"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "proj/build/keep.o"));
  EXPECT_EQ(calls(dir / "proj").back()["options"]["verbose"], true);

  // -f with an invalid option: validated before the build is deleted.
  r = run({"build", "proj", "-f", "--project-option", "verbose=maybe"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_TRUE(fs::exists(dir / "proj/build/keep.o"));
  r = run({"build", "proj", "-f"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "proj/build/keep.o"));

  // --verbose streams the server's output.
  r = run({"--verbose", "build", "proj"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("compiling unit 30 of 30"), std::string::npos);

  r = run({"flash", "proj", "--project-option", "serial_number=A1"});
  ASSERT_EQ(r.rc, 0) << r.err;
  c = calls(dir / "proj");
  EXPECT_EQ(c.back()["method"], "flash");
  EXPECT_EQ(c.back()["options"]["serial_number"], "A1");
  EXPECT_EQ(c.back()["options"]["board"], "nucleo_f746zg");

  // A build-only option is invalid for flash (tvmc's text).
  r = run({"flash", "proj", "--project-option", "verbose=true"});
  EXPECT_EQ(r.rc, 3);
  golden("err_flash_invalid_option.txt", r.err);
}

TEST_F(CliTest, BuildPrintsTheMemoryReportAndJson) {
  // A platform that leaves build/memory_report.json (the built-in embedded ones do) gets it
  // printed PlatformIO-style after the build, and `build --json` carries it as data.
  REQUIRE_PYTHON();
  ASSERT_EQ(run({"create-project", "proj", mlf(), "template", "--template-dir",
                 (kTemplates / "python").string(), "--project-option", "board=qemu_x86"})
                .rc,
            0);
  Result r = run({"build", "proj"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "");  // no report, nothing printed
  r = run({"build", "proj", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["project"], (dir / "proj").string());
  EXPECT_TRUE(j["memory"].is_null());
  EXPECT_EQ(j["log"], (dir / "proj/build/utvm-build.log").string());

  const nlohmann::json report = {
      {"schema_version", 1},
      {"board", "qemu_x86"},
      {"ram", {{"used", 20412}, {"size", 65536}}},
      {"flash", {{"used", 15744}, {"size", 262144}}},
      {"breakdown",
       {{{"name", "model weights"}, {"region", "flash"}, {"bytes", 8192}},
        {{"name", "workspace arena"}, {"region", "ram"}, {"bytes", 2048}}}}};
  write_file(dir / "proj/build/memory_report.json", report.dump());
  r = run({"build", "proj"});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("build_memory_report.txt", r.out);
  r = run({"build", "proj", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["memory"], report);
}

TEST_F(CliTest, BuildAndFlashFailures) {
  REQUIRE_PYTHON();
  ASSERT_EQ(run({"create-project", "proj", mlf(), "template", "--template-dir",
                 (kTemplates / "python").string(), "--project-option", "board=qemu_x86"})
                .rc,
            0);
  Result r = run({"flash", "proj"});
  EXPECT_EQ(r.rc, 10);
  golden("err_flash_no_build.txt", r.err);

  r = run({"build", "proj", "--project-option", "fail=build"});
  EXPECT_EQ(r.rc, 6) << r.err;
  golden("err_build_failed.txt", r.err);  // the error plus the last 20 lines of the log

  ASSERT_EQ(run({"build", "proj"}).rc, 0);
  r = run({"flash", "proj", "--project-option", "fail=flash"});
  EXPECT_EQ(r.rc, 7) << r.err;
  EXPECT_NE(r.err.find("flash failed: no board connected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("flashing image.bin"), std::string::npos) << r.err;

  r = run({"build", "nowhere"});
  EXPECT_EQ(r.rc, 10);
  golden("err_project_missing.txt", r.err);

  // A template is not a project.
  r = run({"build", (kTemplates / "python").string()});
  EXPECT_EQ(r.rc, 10);
  EXPECT_NE(r.err.find("is a template"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(kTemplates / "python/utvm-build.log"))
      << "a log written into the template";
  EXPECT_FALSE(fs::exists(kTemplates / "python/.utvm-build.log"));
}

// ---- shell template, relative paths, tvmc forms ------------------------------------------------

TEST_F(CliTest, ShellTemplateThroughTvmcForms) {
  if (std::system("bash --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "bash not found";
  fs::copy(kTemplates / "shell", dir / "tmpl", fs::copy_options::recursive);
  fs::create_directories(dir / "work");
  // Relative paths everywhere, from a sub-directory.
  Result r = run({"micro", "create", "../proj", mlf(), "template", "--template-dir", "../tmpl",
                  "--project-option", "board=mps2_an386"},
                 dir / "work");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto pj = nlohmann::json::parse(read_file(dir / "proj/utvm-project.json"));
  EXPECT_EQ(pj["template_dir"], (dir / "tmpl").string());
  EXPECT_EQ(pj["platform_name"], "shtemplate");

  r = run({"micro", "build", "proj"});
  EXPECT_EQ(r.rc, 2);
  golden("err_micro_no_platform.txt", r.err);
  r = run({"micro", "build", "proj", "host"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("was created"), std::string::npos) << r.err;

  r = run({"micro", "build", "proj", "template", "--template-dir", "tmpl"});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::string calls_txt = read_file(dir / "proj/calls.txt");
  EXPECT_NE(calls_txt.find("build {\"board\": \"mps2_an386\""), std::string::npos) << calls_txt;

  // tvmc refuses to build over an existing build without -f.
  r = run({"micro", "build", "proj", "template", "--template-dir", "tmpl"});
  EXPECT_EQ(r.rc, 2);
  golden("err_micro_build_exists.txt", r.err);
  r = run({"micro", "build", "proj", "template", "--template-dir", "tmpl", "-f"});
  EXPECT_EQ(r.rc, 0) << r.err;

  // Positional words after --project-option are given back to the positionals.
  r = run({"micro", "flash", "--project-option", "fail=none", "proj", "shtemplate"});
  EXPECT_EQ(r.rc, 0) << r.err;
  r = run({"flash", "proj", "--project-option", "fail=flash"});
  EXPECT_EQ(r.rc, 7);
  EXPECT_NE(r.err.find("flash: something went wrong"), std::string::npos) << r.err;
}

// ---- list-options
// ---------------------------------------------------------------------------------

TEST_F(CliTest, ListOptionsGoldens) {
  REQUIRE_PYTHON();
  const std::string t = (kTemplates / "python").string();
  Result r = run({"list-options", "--template-dir", t, "--method", "generate_project"});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("list_options_generate.txt", r.out);
  r = run({"list-options", "--template-dir", t});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("list_options_all.txt", r.out);
  r = run({"create-project", "--list-options", "template", "--template-dir", t});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("list_options_generate.txt", r.out);
  ASSERT_EQ(run({"create-project", "p", mlf(), "template", "--template-dir", t, "--project-option",
                 "board=qemu_x86"})
                .rc,
            0);
  r = run({"build", "p", "--list-options"});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("list_options_build.txt", r.out);
  r = run({"micro", "flash", "p", "template", "--list-options"});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("list_options_flash.txt", r.out);
}

// list-options --json: the server's options in the Project API's shape, filtered by --method.
TEST_F(CliTest, ListOptionsJson) {
  REQUIRE_PYTHON();
  const std::string t = (kTemplates / "python").string();
  Result r = run({"list-options", "--template-dir", t, "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto all = nlohmann::json::parse(r.out);
  EXPECT_EQ(all["schema_version"], 1);
  EXPECT_TRUE(all["method"].is_null());
  ASSERT_FALSE(all["project_options"].empty());
  r = run({"list-options", "--template-dir", t, "--method", "flash", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto flash = nlohmann::json::parse(r.out);
  EXPECT_EQ(flash["method"], "flash");
  EXPECT_LT(flash["project_options"].size(), all["project_options"].size());
  for (const auto& o : flash["project_options"]) {
    const bool takes =
        (o["required"].is_array() && o["required"].dump().find("\"flash\"") != std::string::npos) ||
        (o["optional"].is_array() && o["optional"].dump().find("\"flash\"") != std::string::npos);
    EXPECT_TRUE(takes) << o.dump();
    EXPECT_TRUE(o.contains("help")) << o.dump();
  }
}

// ---- platforms, boards, doctor, completion ------------------------------------------------------

TEST_F(CliTest, PlatformsBoardsDoctorFromData) {
  const fs::path p = dir / "data/platforms/zeta";
  write_file(p / "launch_microtvm_api_server.sh", "#!/bin/sh\n");
  fs::permissions(p / "launch_microtvm_api_server.sh", fs::perms::owner_all);
  write_file(p / "platform.json",
             R"({"name": "zeta", "description": "Zeta boards", "boards": "boards.json",
                 "tools": [{"name": "sh", "command": ["sh", "-c", "echo sh 1.0"]},
                           {"name": "zeta-cc", "command": ["zeta-cc-missing-tool", "-v"],
                            "fix": "install zeta-cc"}]})");
  write_file(p / "boards.json", R"({"boards": {"z1": {"description": "Zeta one, Cortex-M0"},
                                               "z2": {"description": "Zeta two, Cortex-M4"}}})");
  Result r = run({"platforms", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["platforms"].size(), 1u);
  EXPECT_EQ(j["platforms"][0]["name"], "zeta");
  EXPECT_EQ(j["platforms"][0]["template_dir"], p.string());
  EXPECT_EQ(j["platforms"][0]["description"], "Zeta boards");
  r = run({"platforms"});
  golden("platforms.txt", r.out);

  r = run({"boards", "zeta", "m4"});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("boards_filter.txt", r.out);
  r = run({"boards", "--json"});
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["boards"].size(), 2u);
  EXPECT_EQ(j["boards"][1]["name"], "z2");
  EXPECT_EQ(j["boards"][1]["platform"], "zeta");
  for (const auto& b : j["boards"]) {  // one shape for every platform (docs/json.md)
    for (const char* key : {"ram_bytes", "flash_bytes", "cpu", "arch", "fpu", "emulated", "usb"})
      EXPECT_TRUE(b.contains(key)) << key << " missing from " << b.dump();
  }
  r = run({"boards", "nosuch", "x"});
  EXPECT_EQ(r.rc, 2);

  r = run({"doctor", "--json"});
  EXPECT_EQ(r.rc, 1);  // zeta-cc is missing
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  bool saw_sh = false, saw_missing = false;
  for (const auto& c : j["checks"]) {
    if (c["platform"] != "zeta") continue;
    if (c["tool"] == "sh") saw_sh = c["status"] == "ok" && c["version"] == "sh 1.0";
    if (c["tool"] == "zeta-cc")
      saw_missing = c["status"] == "missing" && c["fix"] == "install zeta-cc";
  }
  EXPECT_TRUE(saw_sh) << r.out;
  EXPECT_TRUE(saw_missing) << r.out;
  // A template made of microtvm_api_server.py only needs python3.
  write_file(dir / "data/platforms/pyonly/microtvm_api_server.py", "");
  r = run({"doctor", "--json"});
  j = nlohmann::json::parse(r.out);
  bool saw_python = false;
  for (const auto& c : j["checks"]) {
    saw_python =
        saw_python || (c["platform"] == "pyonly" && c["tool"] == "python3 (Python template)");
  }
  EXPECT_TRUE(saw_python) << r.out;
  // A broken platform.json hides nothing else and is reported by doctor.
  write_file(dir / "data/platforms/bad/launch_microtvm_api_server.sh", "");
  write_file(dir / "data/platforms/bad/platform.json", "{oops");
  r = run({"platforms", "--json"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["platforms"].size(), 3u);
  r = run({"doctor", "--json"});
  bool saw_bad = false;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const auto& c : doc["checks"]) {
    saw_bad = saw_bad || (c["platform"] == "bad" && c["status"] == "broken");
  }
  EXPECT_TRUE(saw_bad) << r.out;
  r = run({"doctor"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("fix: install zeta-cc"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\033["), std::string::npos);  // not a TTY: no colour
}

TEST_F(CliTest, BoardsFitsAndCreateProjectWarnsOfATooSmallBoard) {
  // The example model needs 124 B of RAM (96 B arena + 28 B I/O) and no flash for weights.
  REQUIRE_PYTHON();
  const std::string example =
      (fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar").string();
  const fs::path p = dir / "data/platforms/pyt";
  fs::copy(kTemplates / "python", p, fs::copy_options::recursive);
  write_file(p / "platform.json", R"({"name": "pyt", "boards": "boards.json"})");
  fs::create_directories(dir / "data/device/include");  // a platform of the data dir gets
  fs::create_directories(dir / "data/device/src");      // utvm's device sources
  write_file(p / "boards.json", R"({"boards": {
      "qemu_x86": {"ram": {"size": 100}, "flash": {"size": 4096}},
      "nucleo_f746zg": {"ram": {"size": "0x50000"}, "flash": {"size": "0x100000"}}}})");
  Result r = run({"boards", "pyt", "--fits", example});
  ASSERT_EQ(r.rc, 0) << r.err;
  golden("boards_fits.txt", r.out.substr(r.out.find('\n') + 1));  // after the model's path line
  EXPECT_NE(r.out.find("needs at least 124 B of RAM"), std::string::npos) << r.out;
  r = run({"boards", "pyt", "--fits", example, "--json"});
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["boards"].size(), 2u);
  EXPECT_EQ(j["boards"][1]["name"], "qemu_x86");
  EXPECT_EQ(j["boards"][1]["fits"], false);
  EXPECT_EQ(j["boards"][1]["ram_short_bytes"], 24);
  EXPECT_EQ(j["boards"][0]["fits"], true);
  EXPECT_EQ(run({"boards", "pyt", "--fits", "nosuch.tar"}).rc, 10);

  // create-project warns (and still creates) when the chosen board cannot hold the model.
  r = run({"create-project", "small", example, "pyt", "--project-option", "board=qemu_x86"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + example +
                       " needs at least 124 B of RAM and 0 B of flash; board qemu_x86 has 100 B "
                       "and 4096 B (RAM short by 24 B): its build will fail"),
            std::string::npos)
      << r.err;
  r = run({"create-project", "big", example, "pyt", "--project-option", "board=nucleo_f746zg"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

TEST_F(CliTest, TyposGetDidYouMean) {
  // Commands and flags (CLI11's message first, exit 2), platforms, option names and choices.
  Result r = run({"biuld", "proj"});
  EXPECT_EQ(r.rc, 2);
  // CLI11's text gets utvm's error: prefix and the words in the order given.
  EXPECT_EQ(r.err,
            "error: The following arguments were not expected: biuld proj\n"
            "Run with --help for more information.\ndid you mean 'build'?\n");
  r = run({"completion", "tcsh"});
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  r = run({"build", "proj", "--josn"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("did you mean '--json'?"), std::string::npos) << r.err;
  r = run({"boards", "--jsno"});
  EXPECT_NE(r.err.find("did you mean '--json'?"), std::string::npos) << r.err;
  r = run({"build", "proj", "--zzzzzz"});
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;  // nothing near

  REQUIRE_PYTHON();
  const fs::path p = dir / "data/platforms/pyt";
  fs::copy(kTemplates / "python", p, fs::copy_options::recursive);
  write_file(p / "platform.json", R"({"name": "pyt"})");
  r = run({"create-project", "x", mlf(), "pyy"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("unknown platform 'pyy'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\ndid you mean 'pyt'?"), std::string::npos) << r.err;
  r = run({"create-project", "x", mlf(), "template", "--template-dir", p.string(),
           "--project-option", "bord=qemu_x86"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(r.err.find("'bord' was given: did you mean 'board'?"), std::string::npos) << r.err;
  r = run({"create-project", "x", mlf(), "template", "--template-dir", p.string(),
           "--project-option", "board=qemu_x68"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(r.err.find("is invalid. Use --list-options to see all available choices for that "
                       "option.\nvalid choices: qemu_x86, nucleo_f746zg\ndid you mean "
                       "'qemu_x86'?"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, CompletionScriptsAreValidShell) {
  // Each script asks `utvm __complete` (tests/cli/completion_test.sh runs them in the shells).
  const std::vector<std::pair<std::string, std::string>> want = {
      {"bash", "complete -o filenames -F _utvm utvm"},
      {"zsh", "#compdef utvm"},
      {"fish", "complete -c utvm"}};
  for (const auto& [shell, line] : want) {
    Result r = run({"completion", shell});
    ASSERT_EQ(r.rc, 0);
    EXPECT_NE(r.out.find(line), std::string::npos) << shell;
    EXPECT_NE(r.out.find("utvm __complete --"), std::string::npos) << shell;
  }
  write_file(dir / "c.sh", run({"completion", "bash"}).out);
  EXPECT_EQ(std::system(("bash -n " + (dir / "c.sh").string()).c_str()), 0);
  EXPECT_EQ(run({"completion", "tcsh"}).rc, 2);
  // The hidden candidates command: commands, then flags of the command typed.
  Result r = run({"__complete", "--", "cre"});
  EXPECT_EQ(r.out, "create-project\n");
  r = run({"__complete", "--", "run", "--run-t"});
  EXPECT_EQ(r.out, "--run-timeout\n");
  r = run({"--help"});
  EXPECT_EQ(r.out.find("__complete"), std::string::npos) << "the hidden command shows in --help";
}

// ---- colour
// ----------------------------------------------------------------------------------------

// Runs utvm on a pseudo-terminal and returns everything it printed.
std::string run_on_pty(const std::vector<std::string>& args, bool no_color) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (no_color)
      setenv("NO_COLOR", "1", 1);
    else
      unsetenv("NO_COLOR");
    setenv("TERM", "xterm", 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kUtvm.c_str()));
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

TEST_F(CliTest, ColourOnlyOnTtyWithoutNoColor) {
  std::string coloured = run_on_pty({"build", "/nonexistent/proj"}, false);
  EXPECT_NE(coloured.find("\033[1;31merror:"), std::string::npos) << coloured;
  std::string plain = run_on_pty({"build", "/nonexistent/proj"}, true);
  EXPECT_EQ(plain.find("\033["), std::string::npos) << plain;
  EXPECT_NE(plain.find("error: /nonexistent/proj doesn't exist."), std::string::npos) << plain;
  std::string flag = run_on_pty({"--no-color", "build", "/nonexistent/proj"}, false);
  EXPECT_EQ(flag.find("\033["), std::string::npos) << flag;
}

// ---- Ctrl-C
// ----------------------------------------------------------------------------------------

TEST_F(CliTest, LiveStatusLineOnTtyPlainLinesOtherwise) {
  REQUIRE_PYTHON();
  ASSERT_EQ(run({"create-project", "proj", mlf(), "template", "--template-dir",
                 (kTemplates / "python").string(), "--project-option", "board=qemu_x86"})
                .rc,
            0);
  setenv("UTVM_DATA_DIR", (dir / "data").c_str(), 1);
  std::string tty = run_on_pty({"build", (dir / "proj").string()}, true);
  unsetenv("UTVM_DATA_DIR");
  EXPECT_NE(tty.find("\r\033[Kbuilding " + (dir / "proj").string()), std::string::npos) << tty;
  EXPECT_NE(tty.find("\r\033[Kbuilt " + (dir / "proj").string()), std::string::npos) << tty;
  Result r = run({"build", "proj"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_EQ(r.err.rfind("building " + (dir / "proj").string() + " ...\nbuilt ", 0), 0u) << r.err;
}

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  // A zombie waiting for a reaper that is not us counts as gone.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

TEST_F(CliTest, CtrlCStopsServerAndItsChildren) {
  REQUIRE_PYTHON();
  ASSERT_EQ(run({"create-project", "proj", mlf(), "template", "--template-dir",
                 (kTemplates / "python").string(), "--project-option", "board=qemu_x86"})
                .rc,
            0);
  utvm::SpawnOptions o;
  o.argv = {kUtvm.string(), "build", "proj", "--project-option", "hang=true"};
  o.cwd = dir;
  o.extra_env = env;
  o.new_process_group = true;  // like a shell job: only utvm gets the signal below
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
  auto utvm_proc = utvm::Process::spawn(o);
  ::close(devnull);
  const fs::path pids = dir / "proj/hang.pids";
  for (int i = 0; i < 200 && read_file(pids).find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  std::istringstream in(read_file(pids));
  pid_t server = 0, child = 0;
  in >> server >> child;
  ASSERT_GT(server, 0) << "the server never reached its hanging build";
  ASSERT_GT(child, 0);
  EXPECT_FALSE(process_gone(child));
  ASSERT_EQ(::kill(utvm_proc.pid(), SIGINT), 0);
  auto status = utvm_proc.wait_for(10s);
  ASSERT_TRUE(status.has_value()) << "utvm did not exit after SIGINT";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 130);
  for (int i = 0; i < 100 && !(process_gone(server) && process_gone(child)); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(process_gone(server)) << "server " << server << " still running";
  EXPECT_TRUE(process_gone(child)) << "child " << child << " still running";
  if (!process_gone(child)) ::kill(child, SIGKILL);
  if (!process_gone(server)) ::kill(server, SIGKILL);
}

}  // namespace
