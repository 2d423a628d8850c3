// A model.tar changed after create-project is noticed, named, and the fix suggested.
#include "utvm/cli/model_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "utvm/cli/sha256.h"

namespace utvm::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

class ModelCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") / ("utvm-model-check-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "proj");
    write(root_ / "model.tar", "the model");
    write(root_ / "proj/model.tar", "the model");
    project_.platform = "host";
    project_.mlf_path = root_ / "model.tar";
    project_.mlf_sha256 = sha256_file(root_ / "model.tar");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  ProjectFile project_;
};

TEST_F(ModelCheckTest, UnchangedArchivesSayNothing) {
  EXPECT_TRUE(model_change_warnings(root_ / "proj", project_).empty());
}

TEST_F(ModelCheckTest, AChangedSourceArchiveIsNamedWithTheFix) {
  write(root_ / "model.tar", "a re-exported model");
  const auto w = model_change_warnings(root_ / "proj", project_);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("warning: " + (root_ / "model.tar").string() +
                              " (the archive given to create-project) changed since "
                              "create-project"));
  EXPECT_THAT(w[0], HasSubstr("re-run `utvm create-project -f " + (root_ / "proj").string() + " " +
                              (root_ / "model.tar").string() + " host`"));
}

TEST_F(ModelCheckTest, AReplacedProjectCopyIsNamed) {
  write(root_ / "proj/model.tar", "swapped");
  project_.platform = "template";
  project_.template_dir = "/t";
  const auto w = model_change_warnings(root_ / "proj", project_);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("the project's copy of the model"));
  EXPECT_THAT(w[0], HasSubstr("template --template-dir /t`"));
}

TEST_F(ModelCheckTest, MissingFilesAndNoRecordedDigestAreNotWarnings) {
  fs::remove(root_ / "model.tar");
  fs::remove(root_ / "proj/model.tar");
  EXPECT_TRUE(model_change_warnings(root_ / "proj", project_).empty());
  write(root_ / "model.tar", "changed");
  project_.mlf_sha256.clear();  // a record written by another tool
  EXPECT_TRUE(model_change_warnings(root_ / "proj", project_).empty());
}

}  // namespace
}  // namespace utvm::cli
