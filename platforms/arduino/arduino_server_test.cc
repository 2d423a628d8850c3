// The arduino Project API handler: server_info_query and options, board data, the generated
// sketch (every include resolvable the way Arduino compiles a sketch), the exact commands build
// and flash run (fake arduino-cli / arduino-builder / avrdude on PATH recording their
// arguments), the memory check, and end to end on the Arduino Mega 2560 emulated by simavr:
// Debian's arduino-builder builds the sketch, utvm-avr-sim runs it, utvm's LinkClient drives it
// through read_transport/write_transport, and the outputs must equal the host's for the same
// inputs (the example model, and TVM's sine fixture when ../shared is present).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arduino_server.h"
#include "common/testing/handler_stream.h"
#include "example_mlf.h"
#include "reference.h"
#include "utvm/common/error.h"
#include "utvm/common/subprocess.h"
#include "utvm/link/link_client.h"
#include "utvm/project_api/errors.h"

#ifndef UTVM_AVR_SIM
#define UTVM_AVR_SIM ""
#endif

namespace utvm::platforms::arduino {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

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

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// What the end-to-end tests need; "" when everything is there.
std::string missing_e2e_tools() {
  std::string missing;
  for (const char* t : {"arduino-builder", "avr-gcc", "avr-size"})
    if (!on_path(t)) missing += std::string(missing.empty() ? "" : ", ") + t;
  if (!fs::is_directory("/usr/share/arduino/hardware/arduino/avr"))
    missing += std::string(missing.empty() ? "" : ", ") + "arduino-core-avr";
  if (std::string(UTVM_AVR_SIM).empty())
    missing += std::string(missing.empty() ? "" : ", ") +
               "utvm-avr-sim (libsimavr-dev + libelf-dev at configure time)";
  return missing;
}

#define SKIP_WITHOUT_E2E_TOOLS()                                                               \
  do {                                                                                         \
    std::string missing = missing_e2e_tools();                                                 \
    if (!missing.empty()) GTEST_SKIP() << "needs " << missing << " (scripts/install-deps.sh)"; \
  } while (0)

// ctest runs every test in its own process, in parallel: each process writes only under its
// own directory.
fs::path process_dir() {
  static const fs::path p =
      fs::path(UTVM_BINARY_DIR) / "test-arduino" / std::to_string(static_cast<long>(::getpid()));
  static struct Cleanup {
    fs::path root;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  } cleanup{p};
  return p;
}

struct Install {
  fs::path template_dir, device;
};

// An installation layout: <root>/platforms/arduino (template) and <root>/device.
const Install& install() {
  static Install inst = [] {
    Install i;
    const fs::path root = process_dir() / "install";
    fs::remove_all(root);
    i.template_dir = root / "platforms" / "arduino";
    i.device = root / "device";
    const fs::path src = UTVM_SOURCE_DIR;
    fs::create_directories(i.template_dir);
    for (const char* f :
         {"platform.json", "project.ino", "project_mlperf.ino", "launch_microtvm_api_server.sh"})
      fs::copy_file(src / "platforms/arduino/template" / f, i.template_dir / f);
    fs::copy_file(src / "platforms/arduino/boards.json", i.template_dir / "boards.json");
    auto rec = fs::copy_options::recursive;
    fs::create_directories(i.device / "ports" / "arduino");
    fs::copy(src / "device/include", i.device / "include", rec);
    fs::copy(src / "device/src", i.device / "src", rec);
    fs::copy(src / "device/ports/arduino", i.device / "ports/arduino", rec);
    fs::copy(src / "device/mlperf", i.device / "mlperf", rec);
    fs::create_directories(i.device / "include/dlpack");
    fs::copy_file("/usr/include/dlpack/dlpack.h", i.device / "include/dlpack/dlpack.h");
    return i;
  }();
  return inst;
}

ArduinoHandler handler(const fs::path& dir) {
  return ArduinoHandler(dir, install().device, UTVM_AVR_SIM);
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

fs::path generate(const std::string& name, json options, const fs::path& mlf = example_mlf()) {
  fs::path project = scratch(name);
  ArduinoHandler tmpl = handler(install().template_dir);
  tmpl.generate_project(mlf, "", project, options);
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

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
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

// A directory of fake tools, each appending "name arg1 arg2 ..." (one line) to calls.log.
fs::path fake_tools(const std::string& name, const std::vector<std::string>& tools,
                    const std::string& extra = "") {
  fs::path dir = process_dir() / ("fakebin-" + name);
  fs::remove_all(dir);
  for (const auto& t : tools) {
    write_script(dir / t, "#!/bin/sh\necho \"" + t + " $*\" >> '" + (dir / "calls.log").string() +
                              "'\n" + extra + "exit 0\n");
  }
  return dir;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

// ---- Project API surface -------------------------------------------------------------------

// export_model_library_format([a, b]): one sketch serving both modules (the generation is
// platforms/common's and codegen's; this checks the arduino server uses it).
TEST(ArduinoServer, GeneratesEveryModuleOfAMultiModuleArchive) {
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures/tvm016/multi_module_aot.tar";
  if (!fs::exists(mlf)) GTEST_SKIP() << mlf << " is absent (../shared not checked out)";
  fs::path project = generate("multi", {{"board", "due"}}, mlf);
  const fs::path src = project / "project" / "src";
  ASSERT_TRUE(fs::is_directory(src)) << src;
  for (const char* f :
       {"model/multi_io_lib0.c", "model/multi_io_lib1.c", "model/sine_lib0.c", "model/sine_lib1.c"})
    EXPECT_TRUE(fs::is_regular_file(src / f)) << f;
  const std::string glue = read_file(src / "utvm_glue.c");
  EXPECT_NE(glue.find("utvm_models[2] = {&utvm_m0_model, &utvm_m1_model}"), std::string::npos);
  EXPECT_NE(read_file(project / "project.json").find("\"model\": \"multi_io+sine\""),
            std::string::npos);
}

TEST(ArduinoServer, ServerInfoOffersTheBoardsAndTvmOptions) {
  auto h = handler(install().template_dir);
  auto info = h.server_info_query("0.13.0");
  EXPECT_EQ(info.platform_name, "arduino");
  EXPECT_TRUE(info.is_template);
  std::map<std::string, project_api::ProjectOption> by_name;
  for (const auto& o : info.project_options)
    by_name[o.name] = o;
  for (const char* name : {"board", "project_type", "arduino_cli_cmd", "port", "serial_number",
                           "warning_as_error", "verbose", "workspace_size_bytes", "emulate"})
    EXPECT_TRUE(by_name.count(name)) << name;
  ASSERT_TRUE(by_name["board"].choices);
  const auto& boards = *by_name["board"].choices;
  for (const char* b : {"mega2560", "uno", "due", "nano33ble", "spresense"})
    EXPECT_NE(std::find(boards.begin(), boards.end(), b), boards.end()) << b;
  EXPECT_TRUE(by_name["board"].is_required_for("generate_project"));
  EXPECT_TRUE(by_name["board"].is_optional_for("open_transport"));
  EXPECT_TRUE(by_name["port"].is_optional_for("flash"));
  EXPECT_TRUE(by_name["serial_number"].is_optional_for("open_transport"));
  EXPECT_TRUE(by_name["arduino_cli_cmd"].is_optional_for("build"));
  ASSERT_TRUE(by_name["project_type"].choices);
  EXPECT_EQ(*by_name["project_type"].choices,
            (std::vector<std::string>{"host_driven", "mlperf_tiny"}));
  // MLPerf Tiny's options as baremetal's, with the platform's own `baud` (one of it).
  for (const char* name : {"mlperf_benchmark", "mlperf_output_scale", "mlperf_output_zero_point",
                           "mlperf_input_scale", "mlperf_input_zero_point"})
    EXPECT_TRUE(by_name.count(name)) << name;
  EXPECT_EQ(std::count_if(info.project_options.begin(), info.project_options.end(),
                          [](const auto& o) { return o.name == "baud"; }),
            1);
}

TEST(ArduinoServer, MlperfChecksTheModelAgainstTheBenchmark) {
  // The example MLP (4 float32 in, 3 out) is no kws01 model: exit 3 naming its input, and no
  // project left behind; without mlperf_benchmark the option is named.
  auto h = handler(install().template_dir);
  fs::path project = scratch("mlperf-wrong");
  std::string e = server_error([&] {
    h.generate_project(
        example_mlf(), "", project,
        {{"board", "mega2560"}, {"project_type", "mlperf_tiny"}, {"mlperf_benchmark", "kws01"}});
  });
  EXPECT_NE(e.find("input 'input' is float32 of 16 bytes"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(project));
  e = server_error([&] {
    h.generate_project(example_mlf(), "", project,
                       {{"board", "mega2560"}, {"project_type", "mlperf_tiny"}});
  });
  EXPECT_NE(e.find("needs option mlperf_benchmark"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(project));
}

TEST(ArduinoBoards, DataFileIsValidAndStrict) {
  auto boards = kBoards.load(install().template_dir / "boards.json");
  const Board& mega = boards.at("mega2560");
  EXPECT_EQ(mega.fqbn, "arduino:avr:mega:cpu=atmega2560");
  EXPECT_EQ(mega.cpu, "atmega2560");
  EXPECT_EQ(mega.cpu_clock_hz, 16000000u);
  EXPECT_EQ(mega.ram.size, 8192u);
  EXPECT_EQ(mega.flash.size, 253952u);
  EXPECT_EQ(mega.usb->vid, 0x2341);
  EXPECT_EQ(mega.usb->pid, 0x0042);
  EXPECT_TRUE(mega.is_avr());
  EXPECT_TRUE(mega.emulated());
  EXPECT_EQ(mega.avrdude_part, "m2560");
  const Board& uno = boards.at("uno");
  EXPECT_EQ(uno.cpu, "atmega328p");
  EXPECT_EQ(uno.ram.size, 2048u);
  EXPECT_TRUE(uno.emulated());
  const Board& due = boards.at("due");
  EXPECT_EQ(due.fqbn, "arduino:sam:arduino_due_x_dbg");
  EXPECT_FALSE(due.is_avr());
  EXPECT_FALSE(due.emulated());
  EXPECT_EQ(due.usb->pid, 0x003d);
  EXPECT_EQ(boards.at("nano33ble").usb->vid, 0x2341);
  EXPECT_EQ(boards.at("nano33ble").usb->pid, 0x805a);

  // A board missing a field is reported with the file and its name.
  fs::path bad = process_dir() / "bad-boards.json";
  json j = json::parse(read_file(install().template_dir / "boards.json"));
  j["boards"]["mega2560"].erase("ram");
  std::ofstream(bad) << j.dump();
  try {
    kBoards.load(bad);
    FAIL() << "a board without ram was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'mega2560': 'ram' must be present"), std::string::npos)
        << e.what();
  }
}

TEST(ArduinoServer, GenerateNeedsAKnownBoardAndLeavesNothingBehind) {
  auto h = handler(install().template_dir);
  fs::path project = scratch("no-board");
  EXPECT_THROW(h.generate_project(example_mlf(), "", project, json::object()),
               project_api::ServerError);
  std::string e = server_error([&] {
    h.generate_project(example_mlf(), "", project, {{"board", "leonardo"}});
  });
  EXPECT_NE(e.find("mega2560"), std::string::npos) << e;
  e = server_error([&] {
    h.generate_project(example_mlf(), "", project,
                       {{"board", "mega2560"}, {"project_type", "example_project"}});
  });
  EXPECT_NE(e.find("host_driven"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(project));
  for (const auto& entry : fs::directory_iterator(project.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".no-board.utvm-tmp"), std::string::npos);
}

TEST(ArduinoServer, GeneratesASketchArduinoCanCompile) {
  fs::path project = generate("sketch", {{"board", "mega2560"}});
  const fs::path sketch = project / "project";
  for (const char* f :
       {"project.ino", "src/utvm_glue.c", "src/model/default_lib0.c", "src/model/default_lib1.c",
        "src/model/include/tvmgen_default.h", "src/runtime/src/link.c",
        "src/runtime/src/workspace.c", "src/runtime/include/utvm/link.h",
        "src/runtime/include/dlpack/dlpack.h", "src/port/port_avr.c", "src/port/port_serial.cpp",
        "src/port/arduino_port.h", "src/port/utvm_config.h"})
    EXPECT_TRUE(fs::is_regular_file(sketch / f)) << f;
  for (const char* f :
       {"model.tar", "project.json", "boards.json", "launch_microtvm_api_server.sh"})
    EXPECT_TRUE(fs::is_regular_file(project / f)) << f;
  EXPECT_NE(read_file(sketch / "src/port/utvm_config.h").find("#define UTVM_BAUD 115200ul"),
            std::string::npos);

  // Arduino compiles a copy of the sketch folder with only the core's include paths: every
  // include of ours must be a quoted path relative to the including file.
  static const std::regex kInclude(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  size_t quoted = 0;
  for (const auto& e : fs::recursive_directory_iterator(sketch)) {
    if (!e.is_regular_file()) continue;
    for (const auto& line : lines(read_file(e.path()))) {
      std::smatch m;
      if (!std::regex_search(line, m, kInclude)) continue;
      const std::string name = m[2].str();
      if (m[1].str() == "<") {
        // Only the C library and the Arduino core may stay <...>.
        EXPECT_TRUE(name.find('/') == std::string::npos || name.rfind("avr/", 0) == 0)
            << e.path() << ": " << line;
        EXPECT_NE(name.rfind("tvm", 0), 0u) << e.path() << ": " << line;
        EXPECT_NE(name.rfind("dlpack", 0), 0u) << e.path() << ": " << line;
        continue;
      }
      ++quoted;
      EXPECT_TRUE(fs::is_regular_file(e.path().parent_path() / name)) << e.path() << ": " << line;
    }
  }
  EXPECT_GT(quoted, 10u);
  json pj = json::parse(read_file(project / "project.json"));
  EXPECT_EQ(pj["board"], "mega2560");
  EXPECT_EQ(pj["fqbn"], "arduino:avr:mega:cpu=atmega2560");
  EXPECT_GT(pj["includes_rewritten"].get<int>(), 10);
}

TEST(ArduinoIncludes, RewrittenRelativeToTheIncludingFile) {
  fs::path root = process_dir() / "rewrite";
  fs::remove_all(root);
  write_script(root / "inc/tvm/runtime/api.h", "#pragma once\n");
  write_script(root / "a/b/user.c",
               "#include <tvm/runtime/api.h>\n  #  include \"tvm/runtime/api.h\" // why\n"
               "#include <stdint.h>\n#include \"local.h\"\n");
  write_script(root / "a/b/local.h", "#pragma once\n");
  EXPECT_EQ(rewrite_includes(root / "a", {root / "inc"}), 2u);
  EXPECT_EQ(read_file(root / "a/b/user.c"),
            "#include \"../../inc/tvm/runtime/api.h\"\n  #  include "
            "\"../../inc/tvm/runtime/api.h\" // why\n#include <stdint.h>\n#include \"local.h\"\n");
}

TEST(ArduinoFootprint, ConstantArraysCountedWithAvrTypeSizes) {
  EXPECT_EQ(avr_constant_bytes(
                "static const float __attribute__((section(\".rodata.tvm\"), aligned(16))) "
                "fused_constant[32] = {\n  0x1p+0, };\n"
                "static const int8_t w[2][3] = {{1,2,3},{4,5,6}};\n"
                "static const int t[5] = {0};\n"
                "const double d[2] = {1, 2};\n"
                "float* p = (float*)fused_constant;  // a use, not a declaration\n"
                "const int32_t n = 4;\n"),
            32u * 4 + 6 + 5 * 2 + 2 * 4);
  // The example model inlines its weights (4x8 + 8 + 8x3 + 3 floats) and its metadata says 0.
  fs::path project = generate("constants", {{"board", "mega2560"}});
  json pj = json::parse(read_file(project / "project.json"));
  EXPECT_EQ(pj["footprint"]["constants"], (32u + 8 + 24 + 3) * 4);
}

// ---- Commands (fake tools) -----------------------------------------------------------------

TEST(ArduinoServer, ArduinoCliCompilesAndUploadsWithTheBoardsFqbn) {
  fs::path bin =
      fake_tools("cli", {"arduino-cli"},
                 // compile leaves the ELF where the real one does
                 "case \"$1\" in compile) for a; do last=$a; done; "
                 "while [ $# -gt 0 ]; do [ \"$1\" = --build-path ] && bp=$2; shift; "
                 "done; mkdir -p \"$bp\" && echo elf > \"$bp/project.ino.elf\";; esac\n");
  ScopedEnv path("PATH", bin.string() + ":" + std::getenv("PATH"));
  fs::path project = generate("cli-due", {{"board", "due"}});
  auto h = handler(project);
  h.build({{"verbose", true}});
  h.flash({{"port", "/dev/ttyFAKE0"}});
  auto calls = lines(read_file(bin / "calls.log"));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], "arduino-cli compile --fqbn arduino:sam:arduino_due_x_dbg --build-path " +
                          (project / "build/arduino").string() + " --verbose " +
                          (project / "project").string());
  EXPECT_EQ(calls[1], "arduino-cli upload --fqbn arduino:sam:arduino_due_x_dbg --input-dir " +
                          (project / "build/arduino").string() + " --port /dev/ttyFAKE0 " +
                          (project / "project").string());
  json rec = json::parse(read_file(project / "build/flash.json"));
  EXPECT_EQ(rec["tool"], "arduino-cli");
  EXPECT_EQ(rec["port"], "/dev/ttyFAKE0");

  // port and serial_number together are refused.
  std::string e = server_error([&] {
    h.flash({{"port", "/dev/ttyFAKE0"}, {"serial_number", "123"}});
  });
  EXPECT_NE(e.find("not both"), std::string::npos) << e;

  // warning_as_error reaches the C compiler; option arduino_cli_cmd wins over PATH.
  fs::path other = fake_tools("cli2", {"my-cli"});
  auto h2 = handler(project);
  EXPECT_THROW(h2.build({{"warning_as_error", true},
                         {"arduino_cli_cmd", (other / "my-cli").string() + " --config-file x"}}),
               project_api::ServerError);  // my-cli writes no ELF
  auto calls2 = lines(read_file(other / "calls.log"));
  ASSERT_EQ(calls2.size(), 1u);
  EXPECT_EQ(calls2[0],
            "my-cli --config-file x compile --fqbn arduino:sam:arduino_due_x_dbg "
            "--build-path " +
                (project / "build/arduino").string() +
                " --warnings all --build-property compiler.c.extra_flags=-Wall -Wextra "
                "-Werror " +
                (project / "project").string());
}

TEST(ArduinoServer, ACopiedProjectDropsTheOriginalsBuild) {
  // `cp -a proj copy`: the Arduino tools' build path in the copy holds proj's objects; the
  // copy's build starts from an empty one (issue 13).
  fs::path bin =
      fake_tools("copy-cli", {"arduino-cli"},
                 "case \"$1\" in compile) while [ $# -gt 0 ]; do [ \"$1\" = --build-path ] && "
                 "bp=$2; shift; done; mkdir -p \"$bp\" && echo elf > \"$bp/project.ino.elf\" && "
                 "echo obj > \"$bp/sketch.o\";; esac\n");
  ScopedEnv path("PATH", bin.string() + ":" + std::getenv("PATH"));
  fs::path project = generate("copy-orig", {{"board", "due"}});
  handler(project).build(json::object());
  ASSERT_TRUE(fs::exists(project / "build/arduino/sketch.o"));
  const fs::path copy = project.parent_path() / "copy-copy";
  fs::remove_all(copy);
  fs::copy(project, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::ofstream(copy / "build/arduino/stale-from-original.o") << "obj";
  handler(copy).build(json::object());
  EXPECT_FALSE(fs::exists(copy / "build/arduino/stale-from-original.o"));
  EXPECT_TRUE(fs::exists(copy / "build/arduino/sketch.o"));
  EXPECT_TRUE(fs::exists(project / "build/arduino/sketch.o"));  // the original is untouched
  fs::remove_all(copy);
}

TEST(ArduinoServer, NonAvrBoardWithoutArduinoCliSaysWhatToInstall) {
  fs::path empty = fake_tools("none", {});
  fs::create_directories(empty);
  ScopedEnv path("PATH", empty.string() + ":/usr/bin:/bin");
  if (on_path("arduino-cli")) GTEST_SKIP() << "arduino-cli is installed";
  fs::path project = generate("no-cli", {{"board", "nano33ble"}});
  auto h = handler(project);
  std::string e = server_error([&] { h.build(json::object()); });
  EXPECT_NE(e.find("needs arduino-cli"), std::string::npos) << e;
  EXPECT_NE(e.find("arduino-cli core install arduino:mbed_nano"), std::string::npos) << e;
}

TEST(ArduinoServer, ArduinoBuilderCommandLineWithoutArduinoCli) {
  fs::path bin = fake_tools("builder", {"arduino-builder"});
  ScopedEnv path("PATH", bin.string() + ":/usr/bin:/bin");
  if (on_path("arduino-cli")) GTEST_SKIP() << "arduino-cli is installed";
  if (!fs::is_directory("/usr/share/arduino/hardware/arduino/avr"))
    GTEST_SKIP() << "needs arduino-core-avr";
  fs::path project = generate("builder-cmd", {{"board", "uno"}});
  auto h = handler(project);
  std::string e = server_error([&] { h.build({{"verbose", true}}); });
  EXPECT_NE(e.find("project.ino.elf is missing"), std::string::npos) << e;  // a fake builds nothing
  auto calls = lines(read_file(bin / "calls.log"));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0],
            "arduino-builder -compile -hardware /usr/share/arduino-builder -hardware "
            "/usr/share/arduino/hardware -tools /usr/bin -fqbn arduino:avr:uno -build-path " +
                (project / "build/arduino").string() +
                " -warnings none -prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__ "
                "-verbose " +
                (project / "project/project.ino").string());
}

TEST(ArduinoServer, AvrdudeFlashesARealMegaOnTheNamedPort) {
  fs::path bin = fake_tools("avrdude", {"avrdude"});
  ScopedEnv path("PATH", bin.string() + ":/usr/bin:/bin");
  if (on_path("arduino-cli")) GTEST_SKIP() << "arduino-cli is installed";
  fs::path project = generate("avrdude", {{"board", "mega2560"}});
  fs::create_directories(project / "build/arduino");
  std::ofstream(project / "build/arduino/project.ino.elf") << "elf";
  std::ofstream(project / "build/arduino/project.ino.hex") << ":00000001FF\n";
  auto h = handler(project);
  h.flash({{"port", "/dev/ttyFAKE1"}});  // a port means the real board, not the emulator
  auto calls = lines(read_file(bin / "calls.log"));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], "avrdude -p m2560 -c wiring -P /dev/ttyFAKE1 -b 115200 -D -U flash:w:" +
                          (project / "build/arduino/project.ino.hex").string() + ":i");
  // Emulated (no port): the image must be a real AVR ELF.
  std::string e = server_error([&] { h.flash(json::object()); });
  EXPECT_NE(e.find("not an AVR ELF"), std::string::npos) << e;
  // The Due cannot be emulated.
  fs::path due = generate("due-emulate", {{"board", "due"}});
  fs::create_directories(due / "build/arduino");
  std::ofstream(due / "build/arduino/project.ino.elf") << "elf";
  e = server_error([&] { handler(due).flash({{"emulate", true}}); });
  EXPECT_NE(e.find("not emulated"), std::string::npos) << e;
}

TEST(ArduinoServer, StepsOutOfOrderSayWhatIsMissing) {
  auto tmpl = handler(install().template_dir);
  EXPECT_THROW(tmpl.build(json::object()), project_api::ServerError);  // a template
  fs::path project = generate("order", {{"board", "mega2560"}});
  auto h = handler(project);
  std::string e = server_error([&] { h.flash(json::object()); });
  EXPECT_NE(e.find("run build first"), std::string::npos) << e;
  e = server_error([&] { h.open_transport(json::object()); });
  EXPECT_NE(e.find("run flash first"), std::string::npos) << e;
  EXPECT_THROW(h.read_transport(1, 0.1), project_api::TransportClosedError);
}

// A real board on a serial port (a pty standing in for a Mega's USB serial): opening the port
// resets a real Arduino, so what its bootloader says in the first moments is discarded; then
// bytes go both ways through read/write_transport, and a vanished port closes the transport.
TEST(ArduinoServer, SerialTransportToARealBoard) {
  fs::path project = generate("serial-mega", {{"board", "mega2560"}});
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const std::string slave = ptsname(master);
  auto h = handler(project);
  std::atomic<bool> stop{false};
  std::thread board([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const char noise[] = "bootloader noise";
    if (::write(master, noise, sizeof noise - 1) < 0) return;
    while (!stop) {  // then answers every byte with its complement
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
  auto timeouts = h.open_transport({{"port", slave}});
  EXPECT_FALSE(h.simulator_pid().has_value()) << "a port means the real board";
  EXPECT_GT(timeouts.session_start_timeout_sec, 0.0);
  std::vector<std::uint8_t> msg = {0x00, 0x01, 0x7e, 0xff, 0x03};
  h.write_transport(msg, 1.0);
  std::vector<std::uint8_t> back;
  while (back.size() < msg.size()) {
    auto got = h.read_transport(msg.size() - back.size(), 2.0);
    back.insert(back.end(), got.begin(), got.end());
  }
  ASSERT_EQ(back.size(), msg.size());
  for (size_t i = 0; i < msg.size(); ++i)
    EXPECT_EQ(back[i], static_cast<std::uint8_t>(~msg[i])) << "byte " << i;
  EXPECT_THROW(h.read_transport(1, 0.05), project_api::IoTimeoutError);
  stop = true;
  board.join();
  ::close(master);
  EXPECT_THROW(h.read_transport(1, 2.0), project_api::TransportClosedError);
}

// ---- Memory ---------------------------------------------------------------------------------

TEST(ArduinoServer, ModelTooBigForTheBoardFailsAtBuildBeforeCompiling) {
  fs::path project = generate("too-big", {{"board", "mega2560"}, {"workspace_size_bytes", 16384}});
  auto h = handler(project);
  std::string e = server_error([&] { h.build(json::object()); });
  EXPECT_NE(e.find("model 'default' needs 18 KiB of RAM, board mega2560 has 8 KiB"),
            std::string::npos)
      << e;
  EXPECT_FALSE(fs::exists(project / "build")) << "the check runs on the metadata";
  // The same model with its own workspace fits the Mega.
  fs::path ok = generate("fits", {{"board", "mega2560"}});
  json pj = json::parse(read_file(ok / "project.json"));
  EXPECT_LT(pj["footprint"]["ram"].get<uint64_t>(), 8192u);
}

// The metadata said nothing about sizes (zeroed footprint): the firmware is built and only its
// size tells; the error is the same kind of sentence.
TEST(ArduinoServer, ModelTooBigFailsRightAfterLinkingWhenMetadataMissesIt) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path project = generate("too-big-link", {{"board", "uno"}, {"workspace_size_bytes", 3072}});
  json pj = json::parse(read_file(project / "project.json"));
  pj["footprint"]["ram"] = 0;
  pj["footprint"]["flash"] = 0;
  std::ofstream(project / "project.json") << pj.dump();
  auto h = handler(project);
  std::string e = server_error([&] { h.build(json::object()); });
  EXPECT_NE(e.find("firmware for model 'default' needs"), std::string::npos) << e;
  EXPECT_NE(e.find("KiB of RAM, board uno has 2 KiB"), std::string::npos) << e;
  EXPECT_EQ(e.find("needs 0 KiB"), std::string::npos) << e;
  EXPECT_EQ(e.find("needs 1 KiB"), std::string::npos) << e;
}

// ---- End to end under simavr ----------------------------------------------------------------

using test_support::HandlerStream;

std::vector<std::string> make_inputs(const link::DeviceInfo& info, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> inputs;
  for (const auto& t : info.inputs) {
    std::string bytes(t.nbytes, '\0');
    if (t.dtype_code == 2 && t.dtype_bits == 32) {
      std::uniform_real_distribution<float> d(-1.0f, 1.0f);
      for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        float f = d(rng);
        std::memcpy(&bytes[i], &f, 4);
      }
    } else {
      for (auto& c : bytes)
        c = static_cast<char>(rng() & 0xFF);
    }
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

bool process_gone(pid_t pid, std::chrono::milliseconds within) {
  auto end = Clock::now() + within;
  do {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    auto rparen = text.rfind(')');
    if (!stat || rparen == std::string::npos || text.size() < rparen + 3 || text[rparen + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (Clock::now() < end);
  return false;
}

struct DeviceRun {
  link::DeviceInfo info;
  std::vector<std::string> outputs;
  link::RunStats stats;
};

DeviceRun run_on_device(const fs::path& project, unsigned seed, uint32_t runs = 1) {
  auto h = handler(project);
  h.open_transport(json::object());
  auto pid = h.simulator_pid();
  EXPECT_TRUE(pid.has_value());
  DeviceRun r;
  {
    HandlerStream stream(h);
    link::LinkConfig config;
    config.reply_timeout = std::chrono::milliseconds(10000);
    link::LinkClient client(stream, config);
    r.info = client.hello();
    auto inputs = make_inputs(r.info, seed);
    for (size_t i = 0; i < inputs.size(); ++i) {
      client.set_input(static_cast<uint16_t>(i),
                       {reinterpret_cast<const uint8_t*>(inputs[i].data()), inputs[i].size()});
    }
    r.stats = client.run(runs);
    for (size_t i = 0; i < r.info.outputs.size(); ++i) {
      auto out = client.get_output(static_cast<uint16_t>(i));
      r.outputs.emplace_back(out.begin(), out.end());
    }
  }
  h.close_transport();
  if (pid) {
    EXPECT_TRUE(process_gone(*pid, std::chrono::milliseconds(2000)))
        << "utvm-avr-sim still running after close_transport";
  }
  return r;
}

fs::path build_and_flash(const fs::path& mlf, const std::string& name) {
  fs::path project = generate(name, {{"board", "mega2560"}}, mlf);
  auto h = handler(project);
  h.build(json::object());
  h.flash(json::object());
  return project;
}

TEST(ArduinoMegaSimavr, ExampleModelRunsLikeOnTheHost) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path mlf = example_mlf();
  fs::path project = build_and_flash(mlf, "example-mega");

  json report = json::parse(read_file(project / "build/memory_report.json"));
  EXPECT_EQ(report["board"], "mega2560");
  EXPECT_EQ(report["schema_version"], 1);
  EXPECT_EQ(report["ram"]["size"], 8192u);
  EXPECT_EQ(report["flash"]["size"], 253952u);
  EXPECT_GT(report["flash"]["used"].get<uint64_t>(), 2000u);
  EXPECT_LE(report["ram"]["used"].get<uint64_t>(), 8192u);
  std::uint64_t ram_parts = 0;
  for (const auto& p : report["breakdown"])
    if (p["region"] == "ram") ram_parts += p["bytes"].get<uint64_t>();
  EXPECT_EQ(ram_parts, report["ram"]["used"].get<uint64_t>());
  json flashed = json::parse(read_file(project / "build/flash.json"));
  EXPECT_EQ(flashed["emulator"], "simavr");
  EXPECT_EQ(flashed["mcu"], "atmega2560");

  DeviceRun dev = run_on_device(project, 7, 2);
  EXPECT_EQ(dev.info.model_name, "default");
  EXPECT_EQ(dev.info.build_id, "default-arduino-mega2560");
  ASSERT_EQ(dev.stats.run_ns.size(), 2u);
  // Timed by Timer1 on the emulated 16 MHz AVR: a 4-8-3 float MLP takes tens of microseconds
  // to a few milliseconds (soft float), never zero.
  EXPECT_GT(dev.stats.run_ns[0], 10'000u);
  EXPECT_LT(dev.stats.run_ns[0], 100'000'000u);
  codegen::testing::HostReference host(mlf, process_dir() / "host-example", UTVM_SOURCE_DIR);
  EXPECT_EQ(dev.outputs, host.run_glue(make_inputs(dev.info, 7)));
}

// TVM's own archives: sine as AOT (MLF v5) and as a graph-executor build (TVM 0.16, lowered to
// static C at create-project time). Skipped without ../shared.
class ArduinoMegaFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(ArduinoMegaFixture, RunsLikeOnTheHost) {
  SKIP_WITHOUT_E2E_TOOLS();
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures" / GetParam();
  if (!fs::exists(mlf))
    GTEST_SKIP() << mlf << " is not available (the shared TVM fixtures live in ../shared)";
  const std::string name = mlf.stem().string();
  fs::path project = build_and_flash(mlf, name + "-mega");
  DeviceRun dev = run_on_device(project, 11);
  ASSERT_EQ(dev.outputs.size(), 1u);
  codegen::testing::HostReference host(mlf, process_dir() / ("host-" + name), UTVM_SOURCE_DIR);
  EXPECT_EQ(dev.outputs, host.run_glue(make_inputs(dev.info, 11)));
}

INSTANTIATE_TEST_SUITE_P(Shared, ArduinoMegaFixture,
                         ::testing::Values("mlf/sine_aot_v5.tar", "tvm016/sine_graph.tar"),
                         [](const auto& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// TVM's micro_speech (yes_no) needs 57 KiB of RAM on AVR (33 KiB of it constants): refused
// before compiling, with the breakdown.
TEST(ArduinoServer, MicroSpeechIsRefusedOnTheMega) {
  const fs::path mlf = fs::path(UTVM_SHARED_DIR) / "fixtures/mlf/yes_no_v5.tar";
  if (!fs::exists(mlf))
    GTEST_SKIP() << mlf << " is not available (the shared TVM fixtures live in ../shared)";
  fs::path project = generate("yes-no", {{"board", "mega2560"}}, mlf);
  std::string e = server_error([&] { handler(project).build(json::object()); });
  EXPECT_NE(e.find("model 'default' needs 57 KiB of RAM, board mega2560 has 8 KiB"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("(AVR keeps them in RAM)"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(project / "build"));
}

// Tensors much larger than the link's frames and simavr's receive FIFO: device/tests'
// add_one_model.c (y = x + 1 over 384 floats, 1.5 KiB each way) in the sketch instead of a
// generated model. Every SET_INPUT frame overruns simavr's FIFO, so this also proves the
// XON/XOFF bridge never loses or stalls a byte. At TVM's 115200 baud and at 1 Mbaud (option
// baud); prints the link's throughput.
class ArduinoLinkBaud : public ::testing::TestWithParam<unsigned> {};

TEST_P(ArduinoLinkBaud, LargeTensorsCrossTheLinkIntact) {
  SKIP_WITHOUT_E2E_TOOLS();
  const unsigned baud = GetParam();
  fs::path project =
      generate("add-one-" + std::to_string(baud), {{"board", "mega2560"}, {"baud", baud}});
  const fs::path src = project / "project/src";
  fs::remove(src / "utvm_glue.c");
  for (const auto& e : fs::directory_iterator(src / "model"))
    if (e.path().extension() == ".c") fs::remove(e.path());
  write_script(src / "add_one_model.c",
               "#define ADD_ONE_N 384\n" +
                   read_file(fs::path(UTVM_SOURCE_DIR) / "device/tests/add_one_model.c"));
  rewrite_includes(src, {src / "runtime/include"});
  auto h = handler(project);
  h.build(json::object());
  h.flash(json::object());
  h.open_transport(json::object());
  HandlerStream stream(h);
  link::LinkConfig config;
  config.reply_timeout = std::chrono::milliseconds(10000);
  link::LinkClient client(stream, config);
  auto info = client.hello();
  ASSERT_EQ(info.inputs.size(), 1u);
  ASSERT_EQ(info.inputs[0].nbytes, 384u * 4);
  std::vector<float> x(384);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.25f * static_cast<float>(i) - 7.0f;
  const int rounds = 3;
  auto start = Clock::now();
  std::vector<uint8_t> y;
  for (int r = 0; r < rounds; ++r) {
    client.set_input(0, {reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4});
    if (r == 0) client.run(1);
    y = client.get_output(0);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(y.size(), x.size() * 4);
  for (size_t i = 0; i < x.size(); ++i) {
    float v;
    std::memcpy(&v, &y[i * 4], 4);
    ASSERT_EQ(v, x[i] + 1.0f) << "element " << i;
  }
  const double bytes = 2.0 * rounds * static_cast<double>(x.size() * 4);
  std::printf("link through simavr (%u baud UART): %.0f payload bytes in %.3f s = %.1f kB/s\n",
              baud, bytes, seconds, bytes / seconds / 1000.0);
  RecordProperty("link_kB_per_s", static_cast<int>(bytes / seconds / 1000.0));
  h.close_transport();
}

INSTANTIATE_TEST_SUITE_P(Mega, ArduinoLinkBaud, ::testing::Values(115200u, 1000000u));

// RESET over the link reboots the board (watchdog reset in port_avr.c, emulated by simavr):
// the acknowledgement arrives first, then the rebooted firmware answers HELLO with its inputs
// cleared.
TEST(ArduinoMegaSimavr, LinkResetRebootsTheBoard) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path project = build_and_flash(example_mlf(), "reset-mega");
  auto h = handler(project);
  h.open_transport(json::object());
  HandlerStream stream(h);
  link::LinkConfig config;
  config.reply_timeout = std::chrono::milliseconds(3000);
  link::LinkClient client(stream, config);
  auto info = client.hello();
  std::string ones(info.inputs[0].nbytes, '\x01');
  client.set_input(0, {reinterpret_cast<const uint8_t*>(ones.data()), ones.size()});
  client.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // 15 ms watchdog + boot
  auto again = client.hello();
  EXPECT_EQ(again.build_id, info.build_id);
  client.run(1);
  // After the reboot the input is zeros again, so the output is the model's output for zeros.
  auto out = client.get_output(0);
  codegen::testing::HostReference host(example_mlf(), process_dir() / "host-reset",
                                       UTVM_SOURCE_DIR);
  auto expected = host.run_glue({std::string(info.inputs[0].nbytes, '\0')});
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(std::string(out.begin(), out.end()), expected[0]);
  h.close_transport();
}

// A firmware that never answers: the link gives a timeout error, it does not hang, and the
// emulator goes with the transport.
TEST(ArduinoMegaSimavr, SilentFirmwareTimesOut) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path project = generate("silent", {{"board", "mega2560"}});
  fs::create_directories(project / "build");
  write_script(project / "build/silent.c", "int main(void) { for (;;) { } }\n");
  ASSERT_EQ(
      std::system(("avr-gcc -mmcu=atmega2560 -Os -o '" + (project / "build/flashed.elf").string() +
                   "' '" + (project / "build/silent.c").string() + "'")
                      .c_str()),
      0);
  auto h = handler(project);
  h.open_transport(json::object());
  auto pid = h.simulator_pid();
  ASSERT_TRUE(pid.has_value());
  HandlerStream stream(h);
  link::LinkConfig config;
  config.reply_timeout = std::chrono::milliseconds(300);
  config.max_attempts = 2;
  link::LinkClient client(stream, config);
  auto start = Clock::now();
  EXPECT_THROW(client.hello(), Error);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_THROW(h.read_transport(16, 0.2), project_api::IoTimeoutError);
  h.close_transport();
  EXPECT_TRUE(process_gone(*pid, std::chrono::milliseconds(2000)));
  EXPECT_THROW(h.read_transport(1, 0.1), project_api::TransportClosedError);
}

// A server killed outright (SIGKILL: no destructor, no close_transport) takes the emulator
// with it.
TEST(ArduinoMegaSimavr, EmulatorDiesWithAKilledServer) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path project = generate("killed", {{"board", "mega2560"}});
  fs::create_directories(project / "build");
  write_script(project / "build/loop.c", "int main(void) { for (;;) { } }\n");
  ASSERT_EQ(
      std::system(("avr-gcc -mmcu=atmega2560 -Os -o '" + (project / "build/flashed.elf").string() +
                   "' '" + (project / "build/loop.c").string() + "'")
                      .c_str()),
      0);
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  pid_t server = ::fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    ::close(report[0]);
    auto h = handler(project);
    h.open_transport(json::object());
    pid_t sim = h.simulator_pid().value_or(0);
    if (::write(report[1], &sim, sizeof sim) != sizeof sim) _exit(1);
    for (;;)
      ::pause();
  }
  ::close(report[1]);
  pid_t sim = 0;
  ASSERT_EQ(::read(report[0], &sim, sizeof sim), static_cast<ssize_t>(sizeof sim));
  ::close(report[0]);
  ASSERT_GT(sim, 0);
  EXPECT_FALSE(process_gone(sim, std::chrono::milliseconds(200))) << "the emulator did not start";
  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  const bool gone = process_gone(sim, std::chrono::milliseconds(3000));
  EXPECT_TRUE(gone) << "utvm-avr-sim outlived its killed server";
  if (!gone) ::kill(sim, SIGKILL);
}

// The emulator ends with its host: EOF on stdin (the server closed or died) stops it.
TEST(ArduinoMegaSimavr, EmulatorExitsWhenTheHostGoes) {
  SKIP_WITHOUT_E2E_TOOLS();
  fs::path dir = process_dir() / "sim-eof";
  write_script(dir / "loop.c", "int main(void) { for (;;) { } }\n");
  ASSERT_EQ(std::system(("avr-gcc -mmcu=atmega2560 -Os -o '" + (dir / "loop.elf").string() + "' '" +
                         (dir / "loop.c").string() + "'")
                            .c_str()),
            0);
  int to_sim[2];
  ASSERT_EQ(::pipe(to_sim), 0);
  SpawnOptions spec;
  spec.argv = {UTVM_AVR_SIM, "--mcu",    "atmega2560",
               "--freq",     "16000000", (dir / "loop.elf").string()};
  spec.stdin_fd = to_sim[0];
  Process p = Process::spawn(spec);
  ::close(to_sim[0]);
  EXPECT_FALSE(p.wait_for(std::chrono::milliseconds(300))) << "exited while its host was there";
  ::close(to_sim[1]);
  auto status = p.wait_for(std::chrono::milliseconds(3000));
  ASSERT_TRUE(status) << "utvm-avr-sim kept running after stdin closed";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_exit_status(*status);
}

}  // namespace
}  // namespace utvm::platforms::arduino
