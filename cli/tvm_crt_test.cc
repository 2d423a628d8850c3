// TvmCrt: which standalone CRT a template that is not utvm's own gets, and the errors without one.
// TVM's real CRT is not available here (TVM is not in Debian); the CRT trees below have the
// layout of TVM's standalone_crt (include/tvm/runtime/..., src/runtime/crt/...) with stand-in
// file contents, which is all utvm looks at.
#include "tvm_crt.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "test_util.h"
#include "utvm/common/error.h"

namespace utvm::cli {
namespace {

namespace fs = std::filesystem;

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TvmCrtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("utvm-tvm-crt-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path crt_tree(const std::string& name) {
    const fs::path root = dir / name;
    write(root / "include/tvm/runtime/c_runtime_api.h", "// " + name + "\n");
    write(root / "src/runtime/crt/common/crt_runtime_api.c", "// " + name + "\n");
    return root;
  }
  // An MLF-shaped tar, with a bundled ./runtime when `runtime` is set.
  fs::path mlf(const std::string& name, bool runtime) {
    mlf::testing::TarWriter t;
    t.dir("./").file("./metadata.json", "{\"version\": 7, \"modules\": {}}");
    if (runtime) {
      t.dir("./runtime/")
          .file("./runtime/include/tvm/runtime/c_runtime_api.h", "// bundled\n")
          .file("./runtime/src/runtime/crt/common/crt_runtime_api.c", "// bundled\n")
          .file("./runtime/CMakeLists.txt", "# bundled\n");
    }
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << t.finish();
    return p;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static std::string error_of(const fs::path& mlf, const fs::path& flag) {
    try {
      TvmCrt::resolve(mlf, flag);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kOption) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "resolve() found a CRT";
    return "";
  }

  fs::path dir;
};

TEST_F(TvmCrtTest, TheArchivesBundledRuntimeIsExtractedForTheCallOnly) {
  ScopedEnv env("TVM_CRT_DIR", crt_tree("env").c_str());
  fs::path extracted;
  {
    TvmCrt crt = TvmCrt::resolve(mlf("with_runtime.tar", true), "");
    extracted = crt.dir();
    EXPECT_NE(crt.source().find("./runtime"), std::string::npos) << crt.source();
    EXPECT_EQ(read(crt.dir() / "include/tvm/runtime/c_runtime_api.h"), "// bundled\n");
    EXPECT_EQ(read(crt.dir() / "CMakeLists.txt"), "# bundled\n");
    EXPECT_EQ(extracted.filename(), "runtime");
  }
  EXPECT_FALSE(fs::exists(extracted.parent_path())) << "the extracted CRT was left behind";
}

TEST_F(TvmCrtTest, TheFlagWinsAndTheEnvironmentIsTheLastResort) {
  const fs::path flag = crt_tree("flag"), env_dir = crt_tree("env");
  ScopedEnv env("TVM_CRT_DIR", env_dir.c_str());
  TvmCrt a = TvmCrt::resolve(mlf("with_runtime.tar", true), flag);
  EXPECT_EQ(a.dir(), flag);
  EXPECT_EQ(a.source(), "--standalone-crt-dir");
  TvmCrt b = TvmCrt::resolve(mlf("plain.tar", false), "");
  EXPECT_EQ(b.dir(), env_dir);
  EXPECT_EQ(b.source(), "$TVM_CRT_DIR");
  // An archive utvm cannot read has no bundled CRT to offer (the template reports the archive).
  const fs::path junk = dir / "junk.tar";
  std::ofstream(junk) << "not a tar";
  EXPECT_EQ(TvmCrt::resolve(junk, "").dir(), env_dir);
}

TEST_F(TvmCrtTest, WithoutAnyCrtTheErrorSaysWhatToGive) {
  ScopedEnv env("TVM_CRT_DIR", nullptr);
  const std::string m = error_of(mlf("plain.tar", false), "");
  for (const char* want : {"--standalone-crt-dir", "$TVM_CRT_DIR", "./runtime", "plain.tar"})
    EXPECT_NE(m.find(want), std::string::npos) << want << " not in: " << m;
  ScopedEnv empty("TVM_CRT_DIR", "");
  EXPECT_NE(error_of(mlf("plain.tar", false), "").find("$TVM_CRT_DIR"), std::string::npos);
}

TEST_F(TvmCrtTest, ADirectoryThatIsNotACrtIsNamed) {
  ScopedEnv env("TVM_CRT_DIR", nullptr);
  fs::create_directories(dir / "empty");
  std::string m = error_of(mlf("plain.tar", false), dir / "empty");
  EXPECT_NE(m.find("--standalone-crt-dir"), std::string::npos) << m;
  EXPECT_NE(m.find("c_runtime_api.h"), std::string::npos) << m;
  m = error_of(mlf("plain.tar", false), dir / "missing");
  EXPECT_NE(m.find("is not a directory"), std::string::npos) << m;
  ScopedEnv bad("TVM_CRT_DIR", (dir / "empty").c_str());
  m = error_of(mlf("plain.tar", false), "");
  EXPECT_NE(m.find("$TVM_CRT_DIR"), std::string::npos) << m;
  // A bundled runtime/ that is not a CRT fails too, and leaves nothing in the temp dir.
  mlf::testing::TarWriter t;
  t.dir("./").file("./metadata.json", "{}").file("./runtime/README", "not a crt\n");
  std::ofstream(dir / "odd.tar", std::ios::binary) << t.finish();
  auto extractions = [] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path())) {
      const std::string name = e.path().filename().string();
      n += name.rfind("utvm-tvm-crt-", 0) == 0 && name.size() == 19 ? 1 : 0;
    }
    return n;
  };
  const int before = extractions();
  m = error_of(dir / "odd.tar", "");
  EXPECT_NE(m.find("bundled"), std::string::npos) << m;
  EXPECT_EQ(extractions(), before) << "the extracted ./runtime was left in the temp dir";
}

}  // namespace
}  // namespace utvm::cli
