// claim_build_dir: a build directory carried along by `cp -a` or `mv` (its CMake cache or utvm's
// stamp naming another directory) is emptied before the build; one of the project's own is kept.
#include "common/build_dir.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "utvm/project_api/errors.h"

namespace utvm::platforms {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

class BuildDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("utvm-build-dir-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_ / "orig/build");
    fs::create_directories(tmp_ / "copy/build");
  }
  void TearDown() override { fs::remove_all(tmp_); }
  // A CMake cache in `build` as `cmake -S source` leaves it, with an object file beside it.
  void cmake_cache(const fs::path& build, const fs::path& source) {
    write(build / "CMakeCache.txt", "# cache\nCMAKE_HOME_DIRECTORY:INTERNAL=" + source.string() +
                                        "\nCMAKE_BUILD_TYPE:STRING=\n");
    write(build / "CMakeFiles/app.dir/main.c.o", "obj");
  }
  fs::path tmp_;
};

TEST(CmakeCacheValue, ReadsKeyOrNothing) {
  const fs::path cache = fs::temp_directory_path() / ("utvm-cache-" + std::to_string(::getpid()));
  write(cache, "A:STRING=1\nZEPHYR_BOARD_FLASH_RUNNER:STRING=jlink\n");
  EXPECT_EQ(cmake_cache_value(cache, "ZEPHYR_BOARD_FLASH_RUNNER"), "jlink");
  EXPECT_EQ(cmake_cache_value(cache, "ZEPHYR"), std::nullopt);
  EXPECT_EQ(cmake_cache_value(cache.string() + ".missing", "A"), std::nullopt);
  fs::remove(cache);
}

TEST_F(BuildDirTest, OwnBuildIsKept) {
  cmake_cache(tmp_ / "orig/build", tmp_ / "orig");
  EXPECT_FALSE(claim_build_dir(tmp_ / "orig", tmp_ / "orig/build"));
  EXPECT_TRUE(fs::exists(tmp_ / "orig/build/CMakeFiles/app.dir/main.c.o"));
  EXPECT_EQ(build_dir_owner(tmp_ / "orig/build"), tmp_ / "orig");
  // Reached through a symlink it is the same directory.
  fs::create_directory_symlink(tmp_ / "orig", tmp_ / "link");
  EXPECT_FALSE(claim_build_dir(tmp_ / "link", tmp_ / "link/build"));
  EXPECT_TRUE(fs::exists(tmp_ / "orig/build/CMakeFiles/app.dir/main.c.o"));
}

TEST_F(BuildDirTest, CopiedCacheIsClearedAndStamped) {
  cmake_cache(tmp_ / "copy/build", tmp_ / "orig");  // cp -a orig copy
  fs::create_directories(tmp_ / "outside");
  write(tmp_ / "outside/keep", "x");
  fs::create_directory_symlink(tmp_ / "outside", tmp_ / "copy/build/link");
  EXPECT_TRUE(claim_build_dir(tmp_ / "copy", tmp_ / "copy/build"));
  EXPECT_FALSE(fs::exists(tmp_ / "copy/build/CMakeCache.txt"));
  EXPECT_FALSE(fs::exists(tmp_ / "copy/build/CMakeFiles"));
  EXPECT_FALSE(fs::exists(tmp_ / "copy/build/link"));
  EXPECT_TRUE(fs::exists(tmp_ / "outside/keep"));  // symlinks are not followed out
  EXPECT_EQ(build_dir_owner(tmp_ / "copy/build"), tmp_ / "copy");
  EXPECT_FALSE(claim_build_dir(tmp_ / "copy", tmp_ / "copy/build"));  // now its own
}

TEST_F(BuildDirTest, MovedProjectWhoseOriginalIsGone) {
  cmake_cache(tmp_ / "copy/build", tmp_ / "gone");
  EXPECT_TRUE(claim_build_dir(tmp_ / "copy", tmp_ / "copy/build"));
  EXPECT_FALSE(fs::exists(tmp_ / "copy/build/CMakeFiles"));
}

TEST_F(BuildDirTest, StampWithoutCacheCountsToo) {
  // The Arduino tools keep no CMake cache: utvm's stamp alone says whose build it is.
  write(tmp_ / "copy/build/.utvm-project-dir", (tmp_ / "orig").string() + "\n");
  write(tmp_ / "copy/build/arduino-build/sketch.ino.elf", "elf");
  EXPECT_TRUE(claim_build_dir(tmp_ / "copy", tmp_ / "copy/build"));
  EXPECT_FALSE(fs::exists(tmp_ / "copy/build/arduino-build"));
}

TEST_F(BuildDirTest, FreshOrMissingBuildDirIsCreatedAndStamped) {
  EXPECT_FALSE(claim_build_dir(tmp_ / "orig", tmp_ / "orig/build2"));
  EXPECT_EQ(build_dir_owner(tmp_ / "orig/build2"), tmp_ / "orig");
}

TEST_F(BuildDirTest, SymlinkedForeignBuildIsRefusedNotEmptied) {
  cmake_cache(tmp_ / "orig/build", tmp_ / "orig");
  fs::remove(tmp_ / "copy/build");
  fs::create_directory_symlink(tmp_ / "orig/build", tmp_ / "copy/build");
  EXPECT_THROW(claim_build_dir(tmp_ / "copy", tmp_ / "copy/build"), project_api::ServerError);
  EXPECT_TRUE(fs::exists(tmp_ / "orig/build/CMakeFiles/app.dir/main.c.o"));
}

}  // namespace
}  // namespace utvm::platforms
