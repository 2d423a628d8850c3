// The shared CMSIS step of every platform: layouts found (TVM's, CMSIS_5's, a bare CMSIS-NN
// checkout -- the latter two re-laid out from ../shared/third_party/cmsis with symlinks), and the
// errors when a model needs CMSIS that is missing, misplaced, incomplete or too old.
#include "common/cmsis.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "utvm/common/error.h"

namespace utvm::platforms {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

const fs::path kShared = fs::path(UTVM_SHARED_DIR) / "third_party" / "cmsis";

#define REQUIRE_CMSIS()                                            \
  if (!fs::exists(kShared / "CMSIS-NN/Include/arm_nnfunctions.h")) \
  GTEST_SKIP() << "no CMSIS at " << kShared.string()               \
               << " (../shared/third_party/cmsis beside the checkout)"

// A module whose one source includes `headers` and calls `calls`.
mlf::Module module_including(const std::vector<std::string>& headers,
                             const std::string& body = "") {
  static std::string text;
  text.clear();
  for (const auto& h : headers)
    text += "#include <" + h + ">\n";
  text += body;
  mlf::Module m;
  m.cmsis = mlf::scan_cmsis_use({{"codegen/host/src/default_lib2.c", &text}});
  return m;
}

class CmsisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::path(UTVM_BINARY_DIR) /
           ("test-cmsis-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    if (const char* env = std::getenv("CMSIS_PATH")) saved_env_ = env;
    ::unsetenv("CMSIS_PATH");
  }
  void TearDown() override {
    fs::remove_all(tmp_);
    if (saved_env_) ::setenv("CMSIS_PATH", saved_env_->c_str(), 1);
  }
  void link(const fs::path& target, const fs::path& name) {
    fs::create_directories(name.parent_path());
    fs::create_directory_symlink(target, name);
  }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  // Runs resolve_cmsis expecting utvm::Error(kOption); returns its message.
  std::string option_error(const json& options, const mlf::Module& m,
                           const std::vector<fs::path>& fallbacks = {}) {
    try {
      resolve_cmsis(options, m, "/models/kws.tar", "host", fallbacks);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kOption) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "resolve_cmsis did not fail";
    return "";
  }
  fs::path tmp_;
  std::optional<std::string> saved_env_;
};

TEST_F(CmsisTest, TvmLayout) {
  REQUIRE_CMSIS();
  auto t = detect_cmsis_layout(kShared);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->layout, "TVM");
  EXPECT_EQ(t->nn_include, kShared / "CMSIS-NN/Include");
  EXPECT_EQ(t->core_include, kShared / "CMSIS/Core/Include");
  EXPECT_EQ(t->dsp_include, kShared / "CMSIS/DSP/Include");
  EXPECT_EQ(t->nn_sources.size(), 72u);  // CMSIS-NN v4.1.0's Source/**/*.c
  EXPECT_TRUE(std::is_sorted(t->nn_sources.begin(), t->nn_sources.end()));
  EXPECT_EQ(t->find_header("arm_math.h"), kShared / "CMSIS/DSP/Include");
  EXPECT_EQ(t->find_header("arm_nnsupportfunctions.h"), kShared / "CMSIS-NN/Include");
  EXPECT_FALSE(t->find_header("no_such_header.h"));
}

TEST_F(CmsisTest, Cmsis5Layout) {
  REQUIRE_CMSIS();
  link(kShared / "CMSIS/Core", tmp_ / "CMSIS/Core");
  link(kShared / "CMSIS/DSP", tmp_ / "CMSIS/DSP");
  link(kShared / "CMSIS-NN", tmp_ / "CMSIS/NN");
  auto t = detect_cmsis_layout(tmp_);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->layout, "CMSIS_5");
  EXPECT_EQ(t->nn_include, tmp_ / "CMSIS/NN/Include");
  EXPECT_EQ(t->nn_source, tmp_ / "CMSIS/NN/Source");
  EXPECT_EQ(t->nn_sources.size(), 72u);
  EXPECT_EQ(t->include_dirs().size(), 3u);
}

TEST_F(CmsisTest, BareCmsisNnCheckout) {
  REQUIRE_CMSIS();
  link(kShared / "CMSIS-NN/Include", tmp_ / "Include");
  link(kShared / "CMSIS-NN/Source", tmp_ / "Source");
  auto t = detect_cmsis_layout(tmp_);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->layout, "CMSIS-NN");
  EXPECT_TRUE(t->core_include.empty());
  EXPECT_TRUE(t->dsp_include.empty());
  EXPECT_EQ(t->include_dirs(), std::vector<fs::path>{tmp_ / "Include"});
  EXPECT_EQ(t->nn_sources.size(), 72u);

  // Enough for CMSIS-NN code; a model that also includes arm_math.h needs CMSIS-DSP.
  auto nn = module_including({"arm_nnfunctions.h"});
  auto r = resolve_cmsis({{"cmsis_path", tmp_.string()}}, nn, "/models/kws.tar", "host");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout, "CMSIS-NN");
  std::string e = option_error({{"cmsis_path", tmp_.string()}},
                               module_including({"arm_nnfunctions.h", "arm_math.h"}));
  EXPECT_THAT(e, HasSubstr("<arm_math.h> (CMSIS-DSP)"));
  EXPECT_THAT(e, HasSubstr("codegen/host/src/default_lib2.c in /models/kws.tar"));
  EXPECT_THAT(e, HasSubstr("cmsis_path"));
}

TEST_F(CmsisTest, NotNeededChecksNothing) {
  auto plain = module_including({"math.h", "arm_acle.h"});
  EXPECT_FALSE(resolve_cmsis({{"cmsis_path", "/does/not/exist"}}, plain, "/m.tar", "host"));
  EXPECT_FALSE(resolve_cmsis(json::object(), plain, "/m.tar", "host"));
}

TEST_F(CmsisTest, NeededButNotGiven) {
  std::string e = option_error(json::object(), module_including({"arm_nnfunctions.h"}));
  EXPECT_THAT(e, HasSubstr("codegen/host/src/default_lib2.c in /models/kws.tar includes "
                           "<arm_nnfunctions.h> (CMSIS-NN)"));
  EXPECT_THAT(e, HasSubstr("--project-option cmsis_path=DIR"));
  EXPECT_THAT(e, HasSubstr("$CMSIS_PATH"));
  EXPECT_THAT(e, HasSubstr("the host platform was given no CMSIS"));
  EXPECT_THAT(e, HasSubstr("docs/cmsis.md"));
}

TEST_F(CmsisTest, WrongLayoutAndMissingDirectory) {
  write(tmp_ / "wrong/arm_nnfunctions.h", "/* headers at the top, no Include/ */\n");
  auto nn = module_including({"arm_nnfunctions.h"});
  std::string e = option_error({{"cmsis_path", (tmp_ / "wrong").string()}}, nn);
  EXPECT_THAT(
      e, HasSubstr("option cmsis_path: " + (tmp_ / "wrong").string() + " is not a CMSIS tree"));
  EXPECT_THAT(e, HasSubstr("<arm_nnfunctions.h>"));
  e = option_error({{"cmsis_path", (tmp_ / "absent").string()}}, nn);
  EXPECT_THAT(e, HasSubstr("is not a directory"));
  EXPECT_THAT(e, HasSubstr("<arm_nnfunctions.h>"));
}

TEST_F(CmsisTest, EnvironmentAndFallbacks) {
  REQUIRE_CMSIS();
  auto nn = module_including({"arm_nnfunctions.h"});
  link(kShared / "CMSIS-NN/Include", tmp_ / "zephyr-cmsis-nn/Include");
  link(kShared / "CMSIS-NN/Source", tmp_ / "zephyr-cmsis-nn/Source");
  // No option, no $CMSIS_PATH: the first fallback that is a CMSIS tree.
  auto r = resolve_cmsis(json::object(), nn, "/m.tar", "zephyr",
                         {tmp_ / "absent", tmp_ / "zephyr-cmsis-nn"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->root, tmp_ / "zephyr-cmsis-nn");
  // $CMSIS_PATH wins over fallbacks; the option over $CMSIS_PATH.
  ::setenv("CMSIS_PATH", kShared.c_str(), 1);
  r = resolve_cmsis(json::object(), nn, "/m.tar", "zephyr", {tmp_ / "zephyr-cmsis-nn"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout, "TVM");
  std::string e = option_error({{"cmsis_path", (tmp_ / "absent").string()}}, nn);
  EXPECT_THAT(e, HasSubstr("option cmsis_path"));
  ::setenv("CMSIS_PATH", (tmp_ / "absent").c_str(), 1);
  e = option_error(json::object(), nn);
  EXPECT_THAT(e, HasSubstr("$CMSIS_PATH"));
}

TEST_F(CmsisTest, CmsisNnOlderThanTheModel) {
  write(tmp_ / "Include/arm_nnfunctions.h", "/* CMSIS-NN 3.x */\n");
  write(tmp_ / "Include/arm_nn_types.h", "typedef enum { ARM_MATH_SUCCESS = 0 } arm_status;\n");
  write(tmp_ / "Source/ConvolutionFunctions/arm_convolve_s8.c", "int x;\n");
  auto v4 = module_including({"arm_nnfunctions.h"},
                             "int f(void) { arm_cmsis_nn_status s = arm_softmax_s8(0); }\n");
  std::string e = option_error({{"cmsis_path", tmp_.string()}}, v4);
  EXPECT_THAT(e, HasSubstr("CMSIS-NN 4.x"));
  EXPECT_THAT(e, HasSubstr("/models/kws.tar"));
  // Headers without sources cannot link the kernels.
  fs::remove_all(tmp_ / "Source");
  fs::create_directories(tmp_ / "Source");
  e = option_error({{"cmsis_path", tmp_.string()}}, v4);
  EXPECT_THAT(e, HasSubstr("no CMSIS-NN sources"));
}

TEST_F(CmsisTest, CmakeLines) {
  REQUIRE_CMSIS();
  EXPECT_EQ(cmsis_cmake_lines(std::nullopt).find(".c"), std::string::npos);
  auto t = detect_cmsis_layout(kShared);
  ASSERT_TRUE(t);
  const std::string lines = cmsis_cmake_lines(t);
  EXPECT_THAT(lines, HasSubstr("set(UTVM_CMSIS_INCLUDE_DIRS\n  \"" +
                               (kShared / "CMSIS-NN/Include").string() + "\""));
  EXPECT_THAT(lines, HasSubstr("ConvolutionFunctions/arm_convolve_wrapper_s8.c\""));
  EXPECT_EQ(cmsis_project_json(t)["layout"], "TVM");
  EXPECT_TRUE(cmsis_project_json(std::nullopt).is_null());
}

}  // namespace
}  // namespace utvm::platforms
