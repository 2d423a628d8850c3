// The install layout: UTVM_DATA_DIR, and which standalone_crt_dir a server takes as utvm's runtime.
#include "utvm/common/install_layout.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace utvm::install {
namespace {

namespace fs = std::filesystem;

TEST(InstallLayout, DataDirFollowsTheEnvironmentElseTheExecutable) {
  ::setenv("UTVM_DATA_DIR", "/opt/x/../share/utvm", 1);
  EXPECT_EQ(data_dir(), fs::path("/opt/share/utvm"));
  EXPECT_EQ(platforms_dir(), fs::path("/opt/share/utvm/platforms"));
  EXPECT_EQ(device_sources_dir(), fs::path("/opt/share/utvm/device"));
  ::unsetenv("UTVM_DATA_DIR");
  EXPECT_EQ(data_dir(), self_executable().parent_path().parent_path() / "share" / "utvm");
}

TEST(InstallLayout, OnlyUtvmsRuntimeIsTakenFromTheClient) {
  const fs::path dir = fs::path(::testing::TempDir()) / "install-layout-runtime";
  fs::remove_all(dir);
  fs::create_directories(dir / "src");
  fs::create_directories(dir / "include" / "utvm");
  EXPECT_EQ(device_runtime(dir, "/fallback"), fs::path("/fallback"));  // TVM's CRT looks so
  std::ofstream(dir / "include" / "utvm" / "link.h") << "\n";
  EXPECT_EQ(device_runtime(dir, "/fallback"), dir);
  EXPECT_EQ(device_runtime("", "/fallback"), fs::path("/fallback"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace utvm::install
