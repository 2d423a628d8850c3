// The zephyr Project API handler without a Zephyr tree: server_info_query, option checking, the
// generated application (golden prj.conf, project.cmake pointing at real files), the exact
// commands build and flash run, and the serial transport through the handler against a pty
// "board". The fake `west` and `cmake` on PATH (recording their arguments and environment) stand
// in only for what cannot run here: `west build`/`west flash` arguments and flash runners for real
// USB boards. Real Zephyr builds and QEMU runs are in zephyr_real_test.cc and real_build_test.sh.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "example_mlf.h"
#include "utvm/project_api/errors.h"
#include "zephyr_server.h"

namespace utvm::platforms::zephyr {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_script(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  fs::permissions(p, fs::perms::owner_all);
}

struct Install {
  fs::path root, template_dir, device;
};

// Each test runs in its own process and ctest runs them in parallel: every path a test writes
// lives under a directory of its own process, so no test removes or rewrites another's files.
fs::path process_dir() {
  static const fs::path p =
      fs::path(UTVM_BINARY_DIR) / "test-zephyr" / std::to_string(static_cast<long>(::getpid()));
  static struct Cleanup {
    fs::path root;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  } cleanup{p};
  return p;
}

// An installation layout: <root>/platforms/zephyr (template) and <root>/device.
const Install& install() {
  static Install inst = [] {
    Install i;
    i.root = process_dir() / "install";
    fs::remove_all(i.root);
    i.template_dir = i.root / "platforms" / "zephyr";
    i.device = i.root / "device";
    const fs::path src = UTVM_SOURCE_DIR;
    fs::create_directories(i.template_dir / "src");
    for (const char* f : {"CMakeLists.txt", "platform.json", "src/main.c", "src/port_zephyr.c"})
      fs::copy_file(src / "platforms/zephyr/template" / f, i.template_dir / f);
    fs::copy_file(src / "platforms/zephyr/boards.json", i.template_dir / "boards.json");
    fs::create_directories(i.device);
    fs::copy(src / "device/include", i.device / "include", fs::copy_options::recursive);
    fs::copy(src / "device/src", i.device / "src", fs::copy_options::recursive);
    return i;
  }();
  return inst;
}

fs::path scratch(const std::string& name) {
  fs::path p = process_dir() / "projects" / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

fs::path example_mlf() {
  static fs::path p = [] {
    fs::path out = process_dir() / "example_mlp.tar";
    fs::create_directories(out.parent_path());
    tools::write_example_mlf(out);
    return out;
  }();
  return p;
}

// A directory standing in for a Zephyr tree (only its existence is checked without west).
fs::path fake_zephyr_base() {
  fs::path p = process_dir() / "fake-zephyr";
  fs::create_directories(p);
  std::ofstream(p / "VERSION") << "VERSION_MAJOR = 3\nVERSION_MINOR = 7\n";
  return p;
}

fs::path generate(const std::string& name, json options) {
  fs::path project = scratch(name);
  if (!options.contains("zephyr_base")) options["zephyr_base"] = fake_zephyr_base().string();
  ZephyrHandler tmpl(install().template_dir, install().device);
  tmpl.generate_project(example_mlf(), "", project, options);
  return project;
}

std::string server_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const project_api::ServerError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ServerError";
  return {};
}

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(ZephyrServer, ServerInfoOffersTheBoardsAndTvmOptions) {
  ZephyrHandler h(install().template_dir, install().device);
  auto info = h.server_info_query("0.13.0");
  EXPECT_EQ(info.platform_name, "zephyr");
  EXPECT_TRUE(info.is_template);
  std::map<std::string, project_api::ProjectOption> by_name;
  for (const auto& o : info.project_options)
    by_name[o.name] = o;
  for (const char* name : {"board", "project_type", "zephyr_base", "west_cmd", "serial_number",
                           "config_main_stack_size", "verbose", "workspace_size_bytes"})
    EXPECT_TRUE(by_name.count(name)) << name;
  ASSERT_TRUE(by_name["board"].choices);
  const auto& boards = *by_name["board"].choices;
  for (const char* b : {"qemu_cortex_m3", "qemu_x86", "nucleo_f746zg", "nrf5340dk_nrf5340_cpuapp"})
    EXPECT_NE(std::find(boards.begin(), boards.end(), b), boards.end()) << b;
  EXPECT_TRUE(by_name["board"].is_required_for("generate_project"));
  EXPECT_TRUE(by_name["serial_number"].is_optional_for("flash"));
  EXPECT_TRUE(by_name["serial_number"].is_optional_for("open_transport"));
}

TEST(ZephyrServer, ZephyrBaseIsRequiredOnlyWithoutTheEnvironment) {
  ZephyrHandler h(install().template_dir, install().device);
  {
    ScopedEnv env("ZEPHYR_BASE", nullptr);
    for (const auto& o : h.server_info_query("").project_options) {
      if (o.name == "zephyr_base") {
        EXPECT_TRUE(o.is_required_for("generate_project"));
      }
    }
  }
  {
    ScopedEnv env("ZEPHYR_BASE", "/somewhere/zephyr");
    for (const auto& o : h.server_info_query("").project_options) {
      if (o.name != "zephyr_base") continue;
      EXPECT_FALSE(o.is_required_for("generate_project"));
      EXPECT_EQ(o.default_value, "/somewhere/zephyr");
    }
  }
}

TEST(ZephyrBoards, DataFileIsValidAndStrict) {
  auto boards = kBoards.load(install().template_dir / "boards.json");
  ASSERT_TRUE(boards.count("qemu_cortex_m3"));
  const Board& q = boards.at("qemu_cortex_m3");
  EXPECT_TRUE(q.is_qemu());
  ASSERT_TRUE(q.emulator);
  EXPECT_EQ(q.emulator->machine, "lm3s6965evb");
  EXPECT_EQ(q.ram.size, 64u * 1024);
  EXPECT_EQ(q.toolchain.at("ZEPHYR_TOOLCHAIN_VARIANT"), "gnuarmemb");
  const Board& n = boards.at("nucleo_f746zg");
  ASSERT_TRUE(n.usb);
  EXPECT_EQ(n.usb->vid, 0x0483);
  EXPECT_EQ(n.usb->pid, 0x374b);
  EXPECT_FALSE(n.is_qemu());
  try {
    kBoards.find(install().template_dir / "boards.json", "esp32");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
    EXPECT_NE(std::string(e.what()).find("qemu_cortex_m3"), std::string::npos);
  }
  fs::path bad = scratch("bad-boards.json");
  std::ofstream(bad) << R"({"boards": {"x": {"model": "m", "arch": "arm", "fpu": false,
      "flash": {"size": 1024}, "ram": {"size": 1024}}}})";
  try {
    kBoards.load(bad);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              bad.string() +
                  ": board 'x': 'vid_hex' must be present on a real board (to find "
                  "its serial port)");
  }
}

TEST(ZephyrPrjConf, MatchesTheGoldenFiles) {
  auto boards = kBoards.load(install().template_dir / "boards.json");
  const fs::path golden = fs::path(UTVM_SOURCE_DIR) / "platforms/zephyr/testdata";
  EXPECT_EQ(render_prj_conf(boards.at("qemu_cortex_m3"), {}),
            read_file(golden / "prj_qemu_cortex_m3.conf"));
  EXPECT_EQ(render_prj_conf(boards.at("nucleo_f746zg"), {true, 4000}),
            read_file(golden / "prj_nucleo_f746zg_verbose_stack4000.conf"));
  // verbose lights the LED only on real boards.
  EXPECT_EQ(render_prj_conf(boards.at("qemu_x86"), {true, std::nullopt}),
            read_file(golden / "prj_qemu_x86_verbose.conf"));
}

// export_model_library_format([a, b]): one application serving both modules (the generation
// is platforms/common's and codegen's; this checks the zephyr server uses it).
TEST(ZephyrServer, GeneratesEveryModuleOfAMultiModuleArchive) {
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures/tvm016/multi_module_aot.tar";
  if (!fs::exists(mlf)) GTEST_SKIP() << mlf << " is absent (../shared not checked out)";
  fs::path project = scratch("gen-multi");
  ZephyrHandler tmpl(install().template_dir, install().device);
  tmpl.generate_project(
      mlf, "", project,
      {{"board", "qemu_cortex_m3"}, {"zephyr_base", fake_zephyr_base().string()}});
  const std::string glue = read_file(project / "src/utvm_glue.c");
  EXPECT_NE(glue.find("utvm_models[2] = {&utvm_m0_model, &utvm_m1_model}"), std::string::npos);
  const std::string pc = read_file(project / "project.cmake");
  for (const char* src :
       {"model/codegen/host/src/multi_io_lib0.c", "model/codegen/host/src/sine_lib1.c"})
    EXPECT_NE(pc.find(src), std::string::npos) << pc;
  EXPECT_NE(read_file(project / "project.json").find("\"model\": \"multi_io+sine\""),
            std::string::npos);
}

TEST(ZephyrServer, GeneratesAZephyrApplication) {
  fs::path project = generate("gen-qemu", {{"board", "qemu_cortex_m3"}});
  for (const char* f : {"model.tar", "CMakeLists.txt", "project.cmake", "prj.conf", "boards.json",
                        "project.json", "launch_microtvm_api_server.sh", "src/main.c",
                        "src/port_zephyr.c", "src/utvm_glue.c", "runtime/include/utvm/port.h",
                        "runtime/include/utvm/link.h", "runtime/src/link.c", "model/metadata.json"})
    EXPECT_TRUE(fs::is_regular_file(project / f)) << f;
  EXPECT_EQ(
      read_file(project / "prj.conf"),
      read_file(fs::path(UTVM_SOURCE_DIR) / "platforms/zephyr/testdata/prj_qemu_cortex_m3.conf"));
  EXPECT_EQ(read_file(project / "CMakeLists.txt"),
            read_file(install().template_dir / "CMakeLists.txt"));
  const std::string glue = read_file(project / "src/utvm_glue.c");
  EXPECT_NE(glue.find("utvm_model"), std::string::npos);
  EXPECT_NE(glue.find("tvmgen_default_run"), std::string::npos) << "calls the model by its name";

  // project.cmake: the board, the tree, and model sources that exist.
  const std::string pc = read_file(project / "project.cmake");
  EXPECT_NE(pc.find("set(BOARD \"qemu_cortex_m3\")"), std::string::npos) << pc;
  EXPECT_NE(pc.find("set(ZEPHYR_BASE \"" + fake_zephyr_base().string() + "\")"), std::string::npos)
      << pc;
  int sources = 0;
  std::istringstream lines(pc);
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("${CMAKE_CURRENT_LIST_DIR}/model/");
    if (at == std::string::npos || line.find(".c\"") == std::string::npos) continue;
    std::string rel = line.substr(at + 26);
    rel = rel.substr(0, rel.find('"'));
    EXPECT_TRUE(fs::is_regular_file(project / rel)) << rel;
    ++sources;
  }
  EXPECT_GE(sources, 1);

  json pj = json::parse(read_file(project / "project.json"));
  EXPECT_EQ(pj["board"], "qemu_cortex_m3");
  EXPECT_EQ(pj["platform"], "zephyr");
  ZephyrHandler h(project, install().device);
  auto info = h.server_info_query("");
  EXPECT_FALSE(info.is_template);
  EXPECT_EQ(info.model_library_format_path, fs::absolute(project / "model.tar").string());
}

TEST(ZephyrServer, CompileDefinitionsAndStackReachTheProject) {
  fs::path project = generate("gen-defs", {{"board", "nucleo_f746zg"},
                                           {"config_main_stack_size", "4000"},
                                           {"verbose", true},
                                           {"compile_definitions", "FOO BAR=2"}});
  EXPECT_EQ(read_file(project / "prj.conf"),
            read_file(fs::path(UTVM_SOURCE_DIR) /
                      "platforms/zephyr/testdata/prj_nucleo_f746zg_verbose_stack4000.conf"));
  EXPECT_NE(
      read_file(project / "project.cmake").find("set(UTVM_COMPILE_DEFINITIONS \"FOO\" \"BAR=2\")"),
      std::string::npos);
}

TEST(ZephyrServer, WarningAsErrorMakesWarningsFailTheBuild) {
  // TVM's option name and meaning; here it turns on Zephyr's own -Werror and stops silencing the
  // model's generated C (whose warnings are otherwise TVM's business).
  ZephyrHandler t(install().template_dir, install().device);
  bool offered = false;
  for (const auto& o : t.server_info_query("").project_options) {
    if (o.name != "warning_as_error") continue;
    offered = true;
    EXPECT_EQ(o.type, "bool");
    EXPECT_EQ(o.default_value, false);
    EXPECT_TRUE(o.is_optional_for("generate_project"));
  }
  EXPECT_TRUE(offered);
  fs::path strict =
      generate("gen-werror", {{"board", "qemu_cortex_m3"}, {"warning_as_error", "true"}});
  const std::string conf = read_file(strict / "prj.conf");
  EXPECT_NE(conf.find("\nCONFIG_COMPILER_WARNINGS_AS_ERRORS=y\n"), std::string::npos) << conf;
  EXPECT_NE(read_file(strict / "project.cmake").find("set(UTVM_WARNING_AS_ERROR ON)"),
            std::string::npos);
  EXPECT_EQ(json::parse(read_file(strict / "project.json"))["warning_as_error"], true);
  fs::path lax = generate("gen-lax", {{"board", "qemu_cortex_m3"}});
  EXPECT_EQ(read_file(lax / "prj.conf").find("WARNINGS_AS_ERRORS"), std::string::npos);
  EXPECT_NE(read_file(lax / "project.cmake").find("set(UTVM_WARNING_AS_ERROR OFF)"),
            std::string::npos);
  // The template keeps -w for the model only when the option is off.
  const std::string cmake = read_file(install().template_dir / "CMakeLists.txt");
  EXPECT_NE(cmake.find("if(NOT UTVM_WARNING_AS_ERROR)\n  set_source_files_properties("
                       "${UTVM_MODEL_SOURCES} PROPERTIES COMPILE_OPTIONS \"-w\")"),
            std::string::npos);
}

TEST(ZephyrServer, RejectsBadOptionsWithoutLeavingFiles) {
  ZephyrHandler h(install().template_dir, install().device);
  auto gen = [&](const std::string& name, json options) {
    fs::path project = scratch(name);
    std::string msg =
        server_error([&] { h.generate_project(example_mlf(), "", project, options); });
    EXPECT_FALSE(fs::exists(project)) << name;
    return msg;
  };
  const std::string base = fake_zephyr_base().string();
  EXPECT_NE(gen("e1", {{"zephyr_base", base}}).find("board"), std::string::npos);
  EXPECT_NE(gen("e2", {{"board", "esp32"}, {"zephyr_base", base}}).find("qemu_cortex_m3"),
            std::string::npos);
  EXPECT_NE(
      gen("e3",
          {{"board", "qemu_cortex_m3"}, {"zephyr_base", base}, {"project_type", "mlperftiny"}})
          .find("project_type"),
      std::string::npos);
  EXPECT_NE(
      gen("e4",
          {{"board", "qemu_cortex_m3"}, {"zephyr_base", base}, {"config_main_stack_size", "lots"}})
          .find("config_main_stack_size"),
      std::string::npos);
  EXPECT_NE(
      gen("e5",
          {{"board", "qemu_cortex_m3"}, {"zephyr_base", base}, {"compile_definitions", "1BAD"}})
          .find("1BAD"),
      std::string::npos);
  // 64 KiB of RAM on qemu_cortex_m3 cannot hold a 1 MiB workspace.
  EXPECT_NE(
      gen("e6",
          {{"board", "qemu_cortex_m3"}, {"zephyr_base", base}, {"workspace_size_bytes", 1048576}})
          .find("RAM"),
      std::string::npos);
  {
    ScopedEnv env("ZEPHYR_BASE", nullptr);
    EXPECT_NE(gen("e7", {{"board", "qemu_cortex_m3"}}).find("ZEPHYR_BASE"), std::string::npos);
  }
  // A template is not a project.
  EXPECT_NE(server_error([&] { h.build(json::object()); }).find("project.json"), std::string::npos);
}

// A directory of fake tools on PATH that append "<tool> <args...>|ZEPHYR_BASE|VARIANT|GNUARMEMB"
// to a log and produce what the real tools would leave behind.
struct FakeTools {
  fs::path bin, log;
  std::unique_ptr<ScopedEnv> path_env, log_env, variant_env, sdk_env;
  FakeTools(const std::string& name, bool with_west, bool with_cmake, bool west_fails = false) {
    fs::path dir = scratch(name);
    bin = dir / "bin";
    log = dir / "calls.log";
    fs::create_directories(bin);
    const std::string record =
        "printf '%s|%s|%s|%s\\n' \"$(basename \"$0\") $*\" \"$ZEPHYR_BASE\" "
        "\"$ZEPHYR_TOOLCHAIN_VARIANT\" \"$GNUARMEMB_TOOLCHAIN_PATH\" >> \"$UTVM_FAKE_LOG\"\n";
    if (with_west) {
      write_script(bin / "west",
                   "#!/bin/sh\n" + record +
                       (west_fails ? "echo 'boom: devicetree error' >&2; exit 1\n" : "") +
                       "[ \"$1\" = -v ] && shift\n"
                       "if [ \"$1\" = build ]; then\n"
                       "  d=$3; mkdir -p \"$d/zephyr\"; echo elf > \"$d/zephyr/zephyr.elf\"\n"
                       "  echo 'ZEPHYR_BOARD_FLASH_RUNNER:STRING=openocd' > \"$d/CMakeCache.txt\"\n"
                       "fi\n");
    }
    if (with_cmake) {
      write_script(bin / "cmake", "#!/bin/sh\n" + record +
                                      "if [ \"$1\" = -S ]; then touch \"$4/build.ninja\"; fi\n"
                                      "if [ \"$1\" = --build ]; then mkdir -p \"$2/zephyr\"; "
                                      "echo elf > \"$2/zephyr/zephyr.elf\"; "
                                      "printf '%s\\n' 'Memory region         Used Size  Region "
                                      "Size  %age Used' '           FLASH:       17576 B       "
                                      "256 KB      6.70%' '             RAM:        4488 B       "
                                      " 64 KB      6.85%'; fi\n");
    }
    std::string path = bin.string() + ":/usr/bin:/bin";
    path_env = std::make_unique<ScopedEnv>("PATH", path.c_str());
    log_env = std::make_unique<ScopedEnv>("UTVM_FAKE_LOG", log.c_str());
    variant_env = std::make_unique<ScopedEnv>("ZEPHYR_TOOLCHAIN_VARIANT", nullptr);
    sdk_env = std::make_unique<ScopedEnv>("ZEPHYR_SDK_INSTALL_DIR", nullptr);
  }
  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    std::istringstream in(read_file(log));
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
};

TEST(ZephyrServer, BuildsAndFlashesWithWest) {
  if (fs::exists("/usr/bin/west")) GTEST_SKIP() << "a real west in /usr/bin shadows the fake";
  fs::path project = generate("west-nucleo", {{"board", "nucleo_f746zg"}});
  FakeTools tools("tools-west", true, false);
  ZephyrHandler h(project, install().device);
  h.build(json::object());
  const std::string base = fake_zephyr_base().string();
  const std::string b = (project / "build").string();
  auto calls = tools.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], "west build -d " + b + " -b nucleo_f746zg " + project.string() + "|" + base +
                          "|gnuarmemb|/usr");

  h.flash({{"serial_number", "066DFF495150"}});
  calls = tools.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], "west flash -d " + b + " -r openocd --cmd-pre-init hla_serial 066DFF495150|" +
                          base + "|gnuarmemb|/usr");
  EXPECT_EQ(json::parse(read_file(project / "build/flash.json"))["serial_number"], "066DFF495150");

  h.flash({{"flash_runner", "jlink"}, {"serial_number", "50"}});
  EXPECT_EQ(tools.calls().at(2),
            "west flash -d " + b + " -r jlink --dev-id 50|" + base + "|gnuarmemb|/usr");

  // verbose and an explicit west command ("python3 -m west" style, split on spaces).
  h.build({{"verbose", true}, {"west_cmd", (tools.bin / "west").string() + " -v"}});
  EXPECT_EQ(tools.calls().at(3).substr(0, 17), "west -v -v build ");
}

TEST(ZephyrServer, EmulatedBoardsHaveNothingToFlash) {
  fs::path project = generate("west-qemu", {{"board", "qemu_cortex_m3"}});
  FakeTools tools("tools-west-qemu", true, false);
  ZephyrHandler h(project, install().device);
  EXPECT_NE(server_error([&] { h.flash(json::object()); }).find("run build first"),
            std::string::npos);
  h.build(json::object());
  h.flash(json::object());
  EXPECT_EQ(tools.calls().size(), 1u) << "flash ran a tool for an emulated board";
}

TEST(ZephyrServer, BuildsWithPlainCMakeWhenThereIsNoWest) {
  if (fs::exists("/usr/bin/west")) GTEST_SKIP() << "west is installed in /usr/bin";
  fs::path project = generate("cmake-qemu", {{"board", "qemu_cortex_m3"}});
  FakeTools tools("tools-cmake", false, true);
  ZephyrHandler h(project, install().device);
  h.build(json::object());
  h.build(json::object());  // incremental: configure once
  const std::string base = fake_zephyr_base().string();
  const std::string b = (project / "build").string();
  auto calls = tools.calls();
  ASSERT_EQ(calls.size(), 3u);
  std::string configure =
      "cmake -S " + project.string() + " -B " + b + " -G Ninja -DBOARD=qemu_cortex_m3";
  if (fs::exists("/usr/bin/python3")) configure += " -DPython3_EXECUTABLE=/usr/bin/python3";
  EXPECT_EQ(calls[0], configure + "|" + base + "|gnuarmemb|/usr");
  EXPECT_EQ(calls[1], "cmake --build " + b + "|" + base + "|gnuarmemb|/usr");
  EXPECT_EQ(calls[2], calls[1]);
  // A user-chosen toolchain wins over the board's SDK-less default.
  ScopedEnv variant("ZEPHYR_TOOLCHAIN_VARIANT", "zephyr");
  h.build(json::object());
  EXPECT_EQ(tools.calls().at(3), "cmake --build " + b + "|" + base + "|zephyr|");
  // Real boards need west to flash.
  fs::path real = generate("cmake-nucleo", {{"board", "nucleo_f746zg"}});
  ZephyrHandler hr(real, install().device);
  hr.build(json::object());
  EXPECT_NE(server_error([&] { hr.flash(json::object()); }).find("west"), std::string::npos);
}

TEST(ZephyrMemoryUsage, ParsesTheLinkersTable) {
  const std::string out =
      "[142/150] Linking C executable zephyr/zephyr_pre0.elf\n"
      "Memory region         Used Size  Region Size  %age Used\n"
      "           FLASH:       17576 B       256 KB      6.70%\n"
      "             RAM:        4488 B        64 KB      6.85%\n"
      "        IDT_LIST:          0 GB         2 KB      0.00%\n"
      "Generating files from zephyr.elf for board: qemu_cortex_m3\n";
  auto use = parse_zephyr_memory_usage(out);
  ASSERT_TRUE(use.has_value());
  EXPECT_EQ(use->flash_used, 17576u);
  EXPECT_EQ(use->flash_size, 256u * 1024);
  EXPECT_EQ(use->ram_used, 4488u);
  EXPECT_EQ(use->ram_size, 64u * 1024);
  // x86 has no FLASH region; SRAM counts as RAM.
  use = parse_zephyr_memory_usage("            SRAM:      123456 B         4 MB      2.94%\n");
  ASSERT_TRUE(use.has_value());
  EXPECT_EQ(use->ram_size, 4u << 20);
  EXPECT_EQ(use->flash_size, 0u);
  EXPECT_FALSE(parse_zephyr_memory_usage("ninja: no work to do.\n").has_value());
}

TEST(ZephyrServer, BuildWritesTheMemoryReportFromZephyrsTable) {
  if (fs::exists("/usr/bin/west")) GTEST_SKIP() << "west is installed in /usr/bin";
  fs::path project = generate("memory-report", {{"board", "qemu_cortex_m3"}});
  FakeTools tools("tools-memory", false, true);
  ZephyrHandler(project, install().device).build(json::object());
  json report = json::parse(read_file(project / "build/memory_report.json"));
  EXPECT_EQ(report["schema_version"], 1);
  EXPECT_EQ(report["board"], "qemu_cortex_m3");
  EXPECT_EQ(report["ram"], json({{"used", 4488}, {"size", 65536}}));
  EXPECT_EQ(report["flash"], json({{"used", 17576}, {"size", 262144}}));
  EXPECT_FALSE(report["breakdown"].empty());
  EXPECT_NE(read_file(project / "build/memory_report.txt").find("RAM:   [=         ]   6.8%"),
            std::string::npos);
}

TEST(ZephyrServer, ACopiedProjectConfiguresItsOwnDirectory) {
  // `cp -a proj copy`: the copy's build directory was made for proj, so its build must
  // configure again from the copy, not reuse proj's cache (issue 13).
  if (fs::exists("/usr/bin/west")) GTEST_SKIP() << "west is installed in /usr/bin";
  fs::path project = generate("copy-orig", {{"board", "qemu_cortex_m3"}});
  FakeTools tools("tools-copy", false, true);
  ZephyrHandler(project, install().device).build(json::object());
  const fs::path copy = scratch("copy-copy");
  fs::copy(project, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  ZephyrHandler(copy, install().device).build(json::object());
  auto calls = tools.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[2].rfind("cmake -S " + copy.string() + " -B " + (copy / "build").string(), 0), 0u)
      << calls[2];
  ZephyrHandler(copy, install().device).build(json::object());  // now its own: no reconfigure
  EXPECT_EQ(tools.calls().size(), 5u);
}

TEST(ZephyrServer, BuildFailureQuotesTheLog) {
  fs::path project = generate("west-fails", {{"board", "qemu_cortex_m3"}});
  FakeTools tools("tools-west-fails", true, false, true);
  ZephyrHandler h(project, install().device);
  std::string msg = server_error([&] { h.build(json::object()); });
  EXPECT_NE(msg.find("west build"), std::string::npos) << msg;
  EXPECT_NE(msg.find("boom: devicetree error"), std::string::npos) << msg;
  // A missing tree is named before anything runs.
  EXPECT_NE(server_error([&] {
              h.build({{"zephyr_base", "/no/such/zephyr"}});
            }).find("/no/such/zephyr"),
            std::string::npos);
}

TEST(ZephyrServer, SerialTransportToAFakeBoard) {
  fs::path project = generate("serial-nucleo", {{"board", "nucleo_f746zg"}});
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  std::string slave = ptsname(master);
  ZephyrHandler h(project, install().device);
  EXPECT_THROW(h.read_transport(1, 0.1), project_api::TransportClosedError);
  EXPECT_NE(server_error([&] {
              h.open_transport({{"serial_port", slave}, {"baud", 12345}});
            }).find("baud"),
            std::string::npos);
  auto timeouts = h.open_transport({{"serial_port", slave}, {"baud", 115200}});
  EXPECT_GT(timeouts.session_start_timeout_sec, 0.0);
  std::atomic<bool> stop{false};
  std::thread board([&] {  // answers every byte with its complement
    while (!stop) {
      pollfd p{master, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      std::uint8_t buf[64];
      ssize_t r = ::read(master, buf, sizeof buf);
      if (r <= 0) return;
      for (ssize_t i = 0; i < r; ++i)
        buf[i] = static_cast<std::uint8_t>(~buf[i]);
      if (::write(master, buf, static_cast<size_t>(r)) != r) return;
    }
  });
  std::vector<std::uint8_t> msg = {0x00, 0x01, 0x7e, 0xff, 0x03};
  h.write_transport(msg, 1.0);
  std::vector<std::uint8_t> back;
  while (back.size() < msg.size()) {
    auto got = h.read_transport(msg.size() - back.size(), 2.0);
    back.insert(back.end(), got.begin(), got.end());
  }
  for (size_t i = 0; i < msg.size(); ++i)
    EXPECT_EQ(back[i], static_cast<std::uint8_t>(~msg[i]));
  EXPECT_THROW(h.read_transport(1, 0.05), project_api::IoTimeoutError);
  stop = true;
  board.join();
  ::close(master);  // the board goes away
  EXPECT_THROW(h.read_transport(1, 2.0), project_api::TransportClosedError);
  EXPECT_THROW(h.write_transport(msg, 1.0), project_api::TransportClosedError);
}

}  // namespace
}  // namespace utvm::platforms::zephyr
