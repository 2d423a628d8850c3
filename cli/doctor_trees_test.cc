#include "doctor_trees.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace {
namespace fs = std::filesystem;
using utvm::cli::check_cmsis_tree;
using utvm::cli::check_data_dir;
using utvm::cli::check_zephyr_tree;

class DoctorTrees : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("utvm_doctor_" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
           std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path dir;
};

// The build's own data directory is complete: every built-in platform, every device file.
TEST_F(DoctorTrees, TheBuildsDataDirectoryIsComplete) {
  const fs::path data = fs::path(UTVM_BINARY_DIR) / "share/utvm";
  for (const auto& c : check_data_dir(data, {"host", "baremetal", "zephyr", "arduino"}))
    EXPECT_EQ(c.status, "ok") << c.what << ": " << c.detail;
}

TEST_F(DoctorTrees, AMissingPlatformOrDeviceFileIsBroken) {
  write(dir / "platforms/host/launch_microtvm_api_server.sh", "#!/bin/sh\n");
  write(dir / "device/MANIFEST", "# list\ninclude/utvm/link.h\nsrc/link.c\n");
  write(dir / "device/include/utvm/link.h", "");
  auto checks = check_data_dir(dir, {"host", "zephyr"});
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].status, "ok");
  EXPECT_EQ(checks[1].status, "broken");
  EXPECT_NE(checks[1].detail.find("platforms/zephyr/launch_microtvm_api_server.sh"),
            std::string::npos);
  EXPECT_EQ(checks[2].what, "device runtime");
  EXPECT_EQ(checks[2].status, "broken");
  EXPECT_NE(checks[2].detail.find("1 file(s) missing"), std::string::npos) << checks[2].detail;
  EXPECT_NE(checks[2].detail.find("src/link.c"), std::string::npos) << checks[2].detail;
  EXPECT_FALSE(checks[2].fix.empty());
  EXPECT_EQ(checks[3].status, "warning");  // no example model: only the demo needs it
  fs::remove(dir / "device/MANIFEST");
  EXPECT_EQ(check_data_dir(dir, {"host"})[1].status, "broken");
  EXPECT_EQ(check_data_dir(dir / "nowhere", {"host"})[0].status, "broken");
}

TEST_F(DoctorTrees, ZephyrTree) {
  EXPECT_EQ(check_zephyr_tree("", "$ZEPHYR_BASE").status, "skipped");
  auto c = check_zephyr_tree(dir / "nowhere", "--zephyr-base");
  EXPECT_EQ(c.status, "broken");
  EXPECT_NE(c.detail.find("(--zephyr-base)"), std::string::npos) << c.detail;
  c = check_zephyr_tree(dir, "$ZEPHYR_BASE");
  EXPECT_EQ(c.status, "broken");
  EXPECT_NE(c.detail.find("VERSION"), std::string::npos) << c.detail;
  write(dir / "VERSION", "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\n");
  c = check_zephyr_tree(dir, "$ZEPHYR_BASE");
  EXPECT_EQ(c.status, "broken");
  EXPECT_NE(c.detail.find("ZephyrConfig.cmake"), std::string::npos) << c.detail;

  // The real tree the zephyr tests extract from ../shared.
  const fs::path real = fs::path(UTVM_BINARY_DIR) / "zephyr-tree/zephyr";
  if (!fs::exists(real / "VERSION"))
    GTEST_SKIP() << real
                 << " is not extracted (the zephyr_tree_extract test does it from ../shared)";
  c = check_zephyr_tree(real, "$ZEPHYR_BASE");
  EXPECT_EQ(c.status, "ok") << c.detail;
  EXPECT_NE(c.detail.find("Zephyr 3.7.1"), std::string::npos) << c.detail;
}

TEST_F(DoctorTrees, CmsisTree) {
  EXPECT_EQ(check_cmsis_tree("", "$CMSIS_PATH").status, "skipped");
  auto c = check_cmsis_tree(dir, "--cmsis-path");
  EXPECT_EQ(c.status, "broken");
  EXPECT_NE(c.detail.find("is not a CMSIS tree"), std::string::npos) << c.detail;
  const fs::path real = fs::path(UTVM_SHARED_DIR) / "third_party/cmsis";
  if (!fs::exists(real)) GTEST_SKIP() << real << " is absent (../shared not checked out)";
  c = check_cmsis_tree(real, "--cmsis-path");
  EXPECT_EQ(c.status, "ok") << c.detail;
  EXPECT_NE(c.detail.find("TVM layout"), std::string::npos) << c.detail;
}

}  // namespace
