// Issue 14 item 3: option values that end up in a generated build file reach the tools as data.
// Each option carries the shell's metacharacters (; | || && > backticks $( ) and newlines); a
// command smuggled through any of them would create a marker file. Real builds: the host
// platform with the system compiler, baremetal with arm-none-eabi-gcc (skipped without it).
#include <gtest/gtest.h>

#include <fmt/core.h>
#include <filesystem>
#include <string>

#include "harness.h"
#include "utvm/common/subprocess.h"
#include "utvm/project_api/client.h"

namespace utvm::reliability {
namespace {
namespace fs = std::filesystem;

// Words that would each run `touch <dir>/mN` if a shell saw them, separated by spaces and
// newlines (both separate flags). The CLI takes OPTION=VALUE with a single '=' (tvmc's rule), so
// the payloads ride on include directories, which the compiler ignores when they do not exist.
std::string hostile_cflags(const fs::path& dir) {
  const std::string m = dir.string() + "/m";
  return fmt::format(
      "-Ia;touch{0}1 -Ia|touch{0}2\n-Ia||touch{0}3 -Ia&&touch{0}4\n"
      "-Ia>{0}5 -I`touch{0}6` -I$(touch{0}7) -I'q'\"q\"",
      m);
}

// The same payloads as NAME=VALUE compile definitions.
std::string hostile_definitions(const fs::path& dir) {
  const std::string m = dir.string() + "/m";
  return fmt::format(
      "P1=a;touch{0}1 P2=a|touch{0}2\nP3=a||touch{0}3 P4=a&&touch{0}4\n"
      "P5=a>{0}5 P6=`touch{0}6` P7=$(touch{0}7) P8='q'\"q\"",
      m);
}

void expect_no_markers(const fs::path& dir) {
  for (int i = 1; i <= 8; ++i)
    EXPECT_FALSE(fs::exists(dir / fmt::format("m{}", i))) << "a shell ran marker " << i;
}

TEST_F(Reliability, CflagsNeverReachAShellOnHost) {
  const fs::path p = dir_ / "p";
  auto r = utvm({"create-project", p.string(), example_mlf().string(), "host", "--project-option",
                 "cflags=" + hostile_cflags(dir_)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = utvm({"build", p.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // the defines are harmless data
  expect_no_markers(dir_);

  // A flag the compiler does not know, carrying $( ): the compiler names it verbatim.
  const fs::path q = dir_ / "q";
  r = utvm({"create-project", q.string(), example_mlf().string(), "host", "--project-option",
            "cflags=-fno-such-flag-$(touch" + dir_.string() + "/m1)"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = utvm({"build", q.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("-fno-such-flag-$(touch"), std::string::npos) << r.output;
  expect_no_markers(dir_);
}

TEST_F(Reliability, CflagsNeverReachAShellOnBaremetal) {
  if (!find_in_path("arm-none-eabi-gcc", getenv("PATH") ? getenv("PATH") : ""))
    GTEST_SKIP() << "arm-none-eabi-gcc is not installed (scripts/install-deps.sh installs it)";
  const fs::path p = dir_ / "p";
  auto r =
      utvm({"create-project", p.string(), example_mlf().string(), "baremetal", "--project-option",
            "board=mps2_an385", "--project-option", "cflags=" + hostile_cflags(dir_)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = utvm({"build", p.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  expect_no_markers(dir_);
}

// Zephyr's compile_definitions land in project.cmake as a CMake list that the template hands to
// target_compile_definitions. Values carry '=', which the CLI's OPTION=VALUE form cannot, so the
// template's server is driven through the Project API as TVM's client would. The real template
// needs a Zephyr tree to build; a plain CMake project that includes the generated project.cmake
// and uses the list the same way is built instead.
TEST_F(Reliability, CompileDefinitionsNeverReachAShellOnZephyr) {
  fs::create_directories(dir_ / "zephyr");  // generate_project only records zephyr_base
  const fs::path p = dir_ / "p";
  {
    auto client =
        project_api::Client::launch(fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/zephyr");
    client.generate_project(example_mlf(), dir_, p,
                            {{"board", "qemu_cortex_m3"},
                             {"zephyr_base", (dir_ / "zephyr").string()},
                             {"compile_definitions", hostile_definitions(dir_)}});
  }
  const fs::path probe = dir_ / "probe";
  write_text(probe / "probe.c", "int main(void) { return 0; }\n");
  write_text(
      probe / "CMakeLists.txt",
      fmt::format("cmake_minimum_required(VERSION 3.16)\nproject(probe C)\n"
                  "include(\"{}/project.cmake\")\nadd_executable(probe probe.c)\n"
                  "target_compile_definitions(probe PRIVATE ${{UTVM_COMPILE_DEFINITIONS}})\n",
                  p.string()));
  auto r = run({"cmake", "-S", probe.string(), "-B", (probe / "build").string(), "-G", "Ninja"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run({"cmake", "--build", (probe / "build").string(), "-v"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("P7="), std::string::npos) << r.output;
  expect_no_markers(dir_);
}

}  // namespace
}  // namespace utvm::reliability
