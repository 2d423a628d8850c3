// The zephyr handler against a real Zephyr 3.7.1 tree (the trimmed tree the zephyr_tree ctest
// fixture extracts from ../shared into the build tree, or $ZEPHYR_BASE when set): generate_project
// on an installation laid out as `make install` does (device/include with dlpack/), with the
// modules found in the workspace around the tree, then build with plain CMake + Ninja and Debian's
// arm gcc, open_transport under QEMU and a link HELLO. Skips, saying why, without the tree or the
// tools. The model matrix (fixtures, TVM's outputs, validate) runs through the CLI in
// real_build_test.sh.
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/handler_stream.h"
#include "example_mlf.h"
#include "utvm/common/subprocess.h"
#include "utvm/link/link_client.h"
#include "zephyr_server.h"

namespace utvm::platforms::zephyr {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Per process (ctest runs test cases in parallel processes); removed at exit.
fs::path process_dir() {
  static const fs::path p = fs::path(UTVM_BINARY_DIR) / "test-zephyr-real-handler" /
                            std::to_string(static_cast<long>(::getpid()));
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

// <root>/platforms/zephyr (template) and <root>/device as the build tree's share/utvm has them:
// the runtime headers need dlpack/dlpack.h beside them.
const Install& install() {
  static Install inst = [] {
    Install i;
    const fs::path root = process_dir() / "install";
    i.template_dir = root / "platforms" / "zephyr";
    i.device = root / "device";
    const fs::path src = UTVM_SOURCE_DIR;
    fs::create_directories(i.template_dir / "src");
    for (const char* f : {"CMakeLists.txt", "platform.json", "src/main.c", "src/port_zephyr.c"})
      fs::copy_file(src / "platforms/zephyr/template" / f, i.template_dir / f);
    fs::copy_file(src / "platforms/zephyr/boards.json", i.template_dir / "boards.json");
    fs::create_directories(i.device);
    fs::copy(src / "device/include", i.device / "include", fs::copy_options::recursive);
    fs::copy(src / "device/src", i.device / "src", fs::copy_options::recursive);
    fs::create_directories(i.device / "include/dlpack");
    fs::copy_file("/usr/include/dlpack/dlpack.h", i.device / "include/dlpack/dlpack.h");
    return i;
  }();
  return inst;
}

// The tree: $ZEPHYR_BASE, else the fixture's extraction; empty when neither exists.
fs::path zephyr_tree() {
  if (const char* env = std::getenv("ZEPHYR_BASE"); env && *env) return env;
  fs::path extracted = fs::path(UTVM_BINARY_DIR) / "zephyr-tree" / "zephyr";
  return fs::exists(extracted / "VERSION") ? extracted : fs::path();
}

std::string missing_tools() {
  std::string missing;
  for (const char* t : {"cmake", "ninja", "arm-none-eabi-gcc", "qemu-system-arm", "dtc"}) {
    if (!find_in_path(t, std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"))
      missing += std::string(missing.empty() ? "" : ", ") + t;
  }
  return missing;
}

class ZephyrServer : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = zephyr_tree();
    if (tree_.empty())
      GTEST_SKIP() << "needs a Zephyr tree: the zephyr_tree fixture extracts one from "
                      "../shared/third_party (absent here), or set ZEPHYR_BASE";
    if (auto m = missing_tools(); !m.empty()) GTEST_SKIP() << "needs " << m << " on PATH";
    // Zephyr caches toolchain facts under $XDG_CACHE_HOME (else ~/.cache): keep them here.
    const fs::path cache = process_dir() / "cache";
    fs::create_directories(cache);
    setenv("XDG_CACHE_HOME", cache.c_str(), 1);
    unsetenv("ZEPHYR_TOOLCHAIN_VARIANT");  // the board's own: gnuarmemb, /usr
    unsetenv("ZEPHYR_SDK_INSTALL_DIR");
    unsetenv("ZEPHYR_MODULES");  // found in the workspace around the tree
  }
  fs::path tree_;
};

// Was: generate + build only, with an installation lacking dlpack/ and no modules (issue 12).
TEST_F(ZephyrServer, RealZephyrBuild) {
  const fs::path mlf = process_dir() / "example_mlp.tar";
  tools::write_example_mlf(mlf);
  const fs::path project = process_dir() / "real-qemu";
  ZephyrHandler tmpl(install().template_dir, install().device);
  tmpl.generate_project(mlf, "", project,
                        {{"board", "qemu_cortex_m3"}, {"zephyr_base", tree_.string()}});
  const json pj = json::parse(slurp(project / "project.json"));
  if (fs::exists(tree_.parent_path() / "modules/hal/cmsis/zephyr/module.yml")) {
    ASSERT_EQ(pj["zephyr_modules"].size(), 1u) << pj.dump();
    EXPECT_EQ(pj["zephyr_modules"][0],
              (tree_.parent_path() / "modules/hal/cmsis").lexically_normal().string());
  }
  EXPECT_NE(slurp(project / "prj.conf").find("CONFIG_PICOLIBC=y"), std::string::npos);

  ZephyrHandler h(project, install().device);
  h.build(json::object());
  ASSERT_TRUE(fs::is_regular_file(project / "build/zephyr/zephyr.elf"));
  const std::string log = slurp(project / "build/build.log");
  EXPECT_EQ(log.find("CMake Warning at " + project.string()), std::string::npos) << log;
  h.flash(json::object());  // nothing to do for QEMU, but must accept the build

  h.open_transport(json::object());
  test_support::HandlerStream stream(h);
  link::LinkClient client(stream);
  const link::DeviceInfo info = client.hello();
  EXPECT_EQ(info.model_name, "default");
  EXPECT_EQ(info.inputs.size(), 1u);
  h.close_transport();

  // Incremental: a second build reconfigures nothing and succeeds.
  h.build(json::object());
}

// warning_as_error (TVM's option): a warning in the model's generated C fails the real build only
// when the project was made with it.
TEST_F(ZephyrServer, WarningAsErrorFailsTheBuildOnAModelWarning) {
  const fs::path mlf = process_dir() / "example_mlp.tar";
  tools::write_example_mlf(mlf);
  auto build = [&](const std::string& name, bool werror) {
    const fs::path project = process_dir() / name;
    ZephyrHandler tmpl(install().template_dir, install().device);
    tmpl.generate_project(mlf, "", project,
                          {{"board", "qemu_cortex_m3"},
                           {"zephyr_base", tree_.string()},
                           {"warning_as_error", werror}});
    // An unused static function: -Wunused-function under Zephyr's -Wall.
    std::ofstream(project / "model/codegen/host/src/default_lib0.c", std::ios::app)
        << "\nstatic int utvm_test_unused(void) { return 0; }\n";
    ZephyrHandler h(project, install().device);
    h.build(json::object());
  };
  EXPECT_NO_THROW(build("lax", false));
  try {
    build("strict", true);
    ADD_FAILURE() << "a model warning passed with warning_as_error";
  } catch (const project_api::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("utvm_test_unused"), std::string::npos) << e.what();
  }
}

// Modules given explicitly win over the workspace's; a missing one is named.
TEST_F(ZephyrServer, ZephyrModulesOption) {
  const fs::path mlf = process_dir() / "example_mlp.tar";
  tools::write_example_mlf(mlf);
  ZephyrHandler tmpl(install().template_dir, install().device);
  const fs::path bad = process_dir() / "bad-modules";
  try {
    tmpl.generate_project(mlf, "", bad,
                          {{"board", "qemu_cortex_m3"},
                           {"zephyr_base", tree_.string()},
                           {"zephyr_modules", "/no/such/module"}});
    ADD_FAILURE() << "a missing module directory was accepted";
  } catch (const project_api::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/module"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("zephyr_modules"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(bad));
  const fs::path cmsis = tree_.parent_path() / "modules/hal/cmsis";
  const fs::path project = process_dir() / "explicit-modules";
  tmpl.generate_project(mlf, "", project,
                        {{"board", "mps2_an521"},
                         {"zephyr_base", tree_.string()},
                         {"zephyr_modules", cmsis.string()}});
  const std::string pc = slurp(project / "project.cmake");
  EXPECT_NE(pc.find("set(ZEPHYR_MODULES \"" + cmsis.lexically_normal().string() + "\" CACHE"),
            std::string::npos)
      << pc;
  // Zephyr 3.7 names the board by hardware model v2.
  EXPECT_NE(pc.find("set(BOARD \"mps2/an521/cpu0\")"), std::string::npos) << pc;
}

}  // namespace
}  // namespace utvm::platforms::zephyr
