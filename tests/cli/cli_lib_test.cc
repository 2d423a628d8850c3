// Unit tests for the CLI helper library.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "utvm/cli/platform_registry.h"
#include "utvm/cli/project.h"
#include "utvm/cli/sha256.h"
#include "utvm/common/error.h"

namespace fs = std::filesystem;
namespace api = utvm::project_api;
using utvm::cli::ProjectFile;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d =
      fs::temp_directory_path() / ("utvm_cli_lib_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

api::ProjectOption opt(std::string name, std::string type, std::vector<std::string> required,
                       std::vector<std::string> optional, nlohmann::json def = nullptr,
                       std::optional<std::vector<std::string>> choices = std::nullopt) {
  api::ProjectOption o;
  o.name = std::move(name);
  o.type = std::move(type);
  if (!required.empty()) o.required = required;
  if (!optional.empty()) o.optional = optional;
  o.default_value = def;
  o.choices = choices;
  o.help = "help";
  return o;
}

}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(utvm::cli::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(utvm::cli::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(utvm::cli::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces to exercise the block buffering.
  utvm::cli::Sha256 h;
  std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    std::size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesFixtureReadme) {
  fs::path tar = fs::path(UTVM_SHARED_DIR) / "fixtures/mlf/sine_aot_v5.tar";
  if (!fs::exists(tar)) GTEST_SKIP() << "shared fixtures not present at " << tar;
  EXPECT_EQ(utvm::cli::sha256_file(tar),
            "7da5845d583aa75efc7f237b4b162316357bd8da7cbe23abfa73648697e4a0b0");
}

TEST(Sha256, MissingFileIsBadInput) {
  try {
    utvm::cli::sha256_file("/nonexistent/model.tar");
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.tar"), std::string::npos);
  }
}

TEST(ProjectFile, RoundTrip) {
  fs::path dir = temp_dir("roundtrip");
  ProjectFile p;
  p.utvm_version = "0.1.0";
  p.platform = "template";
  p.platform_name = "pytemplate";
  p.template_dir = "/t";
  p.mlf_path = "/m.tar";
  p.mlf_sha256 = "ab";
  p.value_mode = api::ValueMode::kStrings;
  p.options = {{"board", "qemu_x86", "command line"}, {"verbose", false, "default"}};
  utvm::cli::save_project_file(dir, p);
  auto q = utvm::cli::load_project_file(dir);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->platform, "template");
  EXPECT_EQ(q->platform_name, "pytemplate");
  EXPECT_EQ(q->template_dir, "/t");
  EXPECT_EQ(q->mlf_sha256, "ab");
  EXPECT_EQ(q->value_mode, api::ValueMode::kStrings);
  ASSERT_EQ(q->options.size(), 2u);
  EXPECT_EQ(q->options[0].name, "board");  // file order is kept
  EXPECT_EQ(q->options[1].value, false);
  auto replay = q->command_line_options();
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0], (std::pair<std::string, std::string>{"board", "qemu_x86"}));
  fs::remove_all(dir);
}

TEST(ProjectFile, AbsentAndBroken) {
  fs::path dir = temp_dir("broken");
  EXPECT_FALSE(utvm::cli::load_project_file(dir).has_value());
  write(dir / "utvm-project.json", "{not json");
  try {
    utvm::cli::load_project_file(dir);
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("utvm-project.json"), std::string::npos);
  }
  write(dir / "utvm-project.json",
        R"({"schema_version": 99, "platform": "x", "template_dir": ""})");
  EXPECT_THROW(utvm::cli::load_project_file(dir), utvm::Error);
  write(dir / "utvm-project.json", R"({"schema_version": 1, "template_dir": "/t"})");
  EXPECT_THROW(utvm::cli::load_project_file(dir), utvm::Error);  // no platform
  fs::remove_all(dir);
}

TEST(ResolveProjectDir, MissingDirIsTvmcText) {
  try {
    utvm::cli::resolve_project_dir("/nonexistent/proj");
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kBadInput);
    EXPECT_STREQ(e.what(), "/nonexistent/proj doesn't exist.");
  }
}

TEST(ResolveProjectDir, RelativeBecomesAbsolute) {
  fs::path dir = temp_dir("rel");
  fs::path old = fs::current_path();
  fs::current_path(dir.parent_path());
  fs::path got = utvm::cli::resolve_project_dir(dir.filename().string());
  fs::current_path(old);
  EXPECT_TRUE(got.is_absolute());
  EXPECT_EQ(got, dir);
  fs::remove_all(dir);
}

class MergeOptions : public ::testing::Test {
 protected:
  std::vector<api::ProjectOption> advertised{
      opt("board", "str", {"generate_project"}, {"flash"}, nullptr,
          std::vector<std::string>{"a", "b"}),
      opt("verbose", "bool", {}, {"build"}, false),
      opt("serial", "str", {"flash"}, {}),
      opt("size", "int", {}, {"generate_project"}, 64),
  };
  ProjectFile project;
  void SetUp() override {
    project.options = {{"board", "a", "command line"},
                       {"size", 128, "command line"},
                       {"verbose", false, "default"}};
  }
};

TEST_F(MergeOptions, PersistedValuesAreSentAndDefaultsFilled) {
  auto j =
      utvm::cli::merge_method_options("build", advertised, &project, {}, api::ValueMode::kTyped);
  EXPECT_EQ(j["board"], "a");  // persisted, although board is not a build option
  EXPECT_EQ(j["size"], 128);   // keeps its type
  EXPECT_EQ(j["verbose"], false);
  EXPECT_TRUE(j.contains("serial"));
  EXPECT_TRUE(j["serial"].is_null());
}

TEST_F(MergeOptions, CommandLineOverridesAndIsTyped) {
  auto j = utvm::cli::merge_method_options("build", advertised, &project, {{"verbose", "true"}},
                                           api::ValueMode::kTyped);
  EXPECT_EQ(j["verbose"], true);
  auto s = utvm::cli::merge_method_options("build", advertised, &project, {{"verbose", "true"}},
                                           api::ValueMode::kStrings);
  EXPECT_EQ(s["verbose"], "true");
}

TEST_F(MergeOptions, PersistedOptionSatisfiesNothingItIsNotFor) {
  // serial is required for flash and was never given: tvmc's text.
  try {
    utvm::cli::merge_method_options("flash", advertised, &project, {}, api::ValueMode::kTyped);
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kOption);
    EXPECT_STREQ(e.what(),
                 "Option 'serial' is required but was not specified. Use --list-options to see "
                 "all required options.");
  }
  auto j = utvm::cli::merge_method_options("flash", advertised, &project, {{"serial", "42"}},
                                           api::ValueMode::kTyped);
  EXPECT_EQ(j["serial"], "42");
  EXPECT_EQ(j["board"], "a");
}

TEST_F(MergeOptions, CommandLineOptionsAreValidatedForTheMethod) {
  try {
    utvm::cli::merge_method_options("build", advertised, &project, {{"board", "b"}},
                                    api::ValueMode::kTyped);
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kOption);
    EXPECT_STREQ(e.what(),
                 "Option 'board' is invalid. Use --list-options to see all available options.");
  }
  try {
    utvm::cli::merge_method_options("flash", advertised, &project,
                                    {{"board", "c"}, {"serial", "1"}}, api::ValueMode::kTyped);
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kOption);
    EXPECT_STREQ(e.what(),
                 "Choice 'c' for option 'board' is invalid. Use --list-options to see all "
                 "available choices for that option.\nvalid choices: a, b");
  }
}

TEST_F(MergeOptions, WithoutProjectFileOnlyGivenOptions) {
  auto j =
      utvm::cli::merge_method_options("build", advertised, nullptr, {}, api::ValueMode::kTyped);
  EXPECT_TRUE(j["board"].is_null());
  EXPECT_EQ(j["size"], 64);
}

TEST(OptionValueString, Forms) {
  EXPECT_EQ(utvm::cli::option_value_string(true), "true");
  EXPECT_EQ(utvm::cli::option_value_string(false), "false");
  EXPECT_EQ(utvm::cli::option_value_string("x y"), "x y");
  EXPECT_EQ(utvm::cli::option_value_string(12), "12");
  EXPECT_EQ(utvm::cli::option_value_string(nullptr), "");
}

class Platforms : public ::testing::Test {
 protected:
  fs::path data;
  void SetUp() override {
    data = temp_dir("platforms");
    write(data / "platforms/zeta/launch_microtvm_api_server.sh", "#!/bin/sh\n");
    write(data / "platforms/zeta/platform.json",
          R"({"name": "zeta", "description": "Zeta boards", "boards": "boards.json",
              "tools": [{"name": "zc", "command": ["zc", "-v"], "fix": "get zc"}]})");
    write(data / "platforms/zeta/boards.json",
          R"({"comment": "x", "boards": {"z2": {"description": "Zeta 2, Cortex-M4"},
              "z1": {"description": "Zeta 1"}}})");
    write(data / "platforms/alpha/microtvm_api_server.py", "");
    write(data / "platforms/alpha/boards.json", "{}");
    write(data / "platforms/not_a_platform/readme.txt", "");
    setenv("UTVM_DATA_DIR", data.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("UTVM_DATA_DIR");
    fs::remove_all(data);
  }
};

TEST_F(Platforms, ListedFromDataDirSorted) {
  auto all = utvm::cli::list_platforms();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alpha");  // no platform.json: name from the directory
  EXPECT_TRUE(all[0].boards_file.empty());
  EXPECT_EQ(all[1].name, "zeta");
  EXPECT_EQ(all[1].description, "Zeta boards");
  EXPECT_EQ(all[1].template_dir, data / "platforms/zeta");
  ASSERT_EQ(all[1].tools.size(), 1u);
  EXPECT_EQ(all[1].tools[0].command, (std::vector<std::string>{"zc", "-v"}));
  EXPECT_EQ(all[1].tools[0].fix, "get zc");
}

TEST_F(Platforms, UnknownPlatformListsKnownOnes) {
  try {
    utvm::cli::find_platform("beta");
    FAIL() << "no error";
  } catch (const utvm::Error& e) {
    EXPECT_EQ(e.code(), utvm::ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("alpha, zeta"), std::string::npos) << e.what();
  }
}

TEST_F(Platforms, BoardShapes) {
  auto zeta = utvm::cli::find_platform("zeta");
  auto boards = utvm::cli::read_boards(zeta);
  ASSERT_EQ(boards.size(), 2u);
  EXPECT_EQ(boards[0].name, "z1");
  EXPECT_EQ(boards[1].data["description"], "Zeta 2, Cortex-M4");
  // Zephyr style (top-level map) and array style.
  write(zeta.boards_file, R"({"qemu_x86": {"fpu": false}, "comment": "skip me"})");
  boards = utvm::cli::read_boards(zeta);
  ASSERT_EQ(boards.size(), 1u);
  EXPECT_EQ(boards[0].name, "qemu_x86");
  write(zeta.boards_file, R"([{"name": "uno"}, {"noname": 1}])");
  boards = utvm::cli::read_boards(zeta);
  ASSERT_EQ(boards.size(), 1u);
  EXPECT_EQ(boards[0].name, "uno");
  write(zeta.boards_file, "[");
  EXPECT_THROW(utvm::cli::read_boards(zeta), utvm::Error);
}

TEST(TailLines, LastN) {
  fs::path dir = temp_dir("tail");
  std::string text;
  for (int i = 1; i <= 30; ++i)
    text += "line " + std::to_string(i) + "\n";
  write(dir / "log", text);
  std::string tail = utvm::cli::tail_lines(dir / "log", 20);
  EXPECT_EQ(tail.rfind("line 11\n", 0), 0u);
  EXPECT_NE(tail.find("line 30\n"), std::string::npos);
  EXPECT_EQ(tail.find("line 10\n"), std::string::npos);
  EXPECT_EQ(utvm::cli::tail_lines(dir / "missing", 20), "");
  fs::remove_all(dir);
}
