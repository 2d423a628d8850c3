// `utvm info` end to end: runs the built binary (UTVM_BINARY_DIR/bin/utvm) and checks exit codes,
// the human output and the JSON schema, for real fixtures and for every kind of bad archive.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <zlib.h>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace utvm::mlf {
namespace {

using testing::TarWriter;
using testing::TempDir;

struct RunResult {
  int code = -1;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

RunResult run_utvm(const std::string& args) {
  TempDir tmp;
  std::string err_path = (tmp.path() / "stderr").string();
  std::string cmd = quote(std::string(UTVM_BINARY_DIR) + "/bin/utvm") + " --no-color " + args +
                    " 2>" + quote(err_path);
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
    r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = testing::read_file(err_path);
  return r;
}

std::string fixture(const std::string& rel) {
  return testing::shared_dir() + "/fixtures/" + rel;
}

TEST(CliInfo, HumanOutputForLetscope) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  RunResult r = run_utvm("info " + quote(fixture("mlf/letscope_int8_v7.tar")));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s :
       {"TVM version:      0.13.dev0", "metadata version: 7", "module default",
        "executor:         aot", "interface:        c", "tvmgen_default_run (c_wrapper)",
        "serving_default_input_1:0", "int8", "(1, 5)", "5 bytes", "StatefulPartitionedCall_0",
        "workspace:        3088 bytes", "constants:        0 bytes",
        "codegen/host/src/default_lib1.c", "codegen/host/include/tvmgen_default.h"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in:\n" << r.out;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliInfo, JsonOutputForSineAot) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  RunResult r = run_utvm("info --json " + quote(fixture("mlf/sine_aot_v5.tar")));
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["metadata_version"], 5);
  EXPECT_TRUE(j["tvm_version"].is_null());
  const auto& m = j["modules"].at(0);
  EXPECT_EQ(m["name"], "default");
  EXPECT_EQ(m["executor"], "aot");
  EXPECT_EQ(m["interface"], "c");
  EXPECT_EQ(m["entry_point"]["symbol"], "tvmgen_default_run_model");
  EXPECT_EQ(m["entry_point"]["kind"], "run_model");
  EXPECT_EQ(m["workspace_size_bytes"], 1184);
  EXPECT_EQ(m["constants_size_bytes"], 1284);
  EXPECT_EQ(m["inputs"][0]["name"], "dense_4_input");
  EXPECT_EQ(m["inputs"][0]["shape"], nlohmann::json::array({1, 1}));
  EXPECT_EQ(m["inputs"][0]["bytes"], 4);
  EXPECT_TRUE(m["outputs"][0]["shape"].is_null());  // not recorded anywhere for this archive
  EXPECT_EQ(m["outputs"][0]["bytes"], 4);
  EXPECT_EQ(m["files"]["header"], "codegen/host/include/tvmgen_default.h");
  EXPECT_TRUE(m["files"]["graph_json"].is_null());
}

TEST(CliInfo, JsonOutputForGraph) {
  if (!testing::have_fixtures()) GTEST_SKIP() << "no ../shared/fixtures next to the checkout";
  RunResult r = run_utvm("info " + quote(fixture("tvm016/sine_graph.tar")) + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(r.out)["modules"].at(0);
  EXPECT_EQ(m["executor"], "graph");
  EXPECT_TRUE(m["entry_point"].is_null());
  EXPECT_EQ(m["outputs"][0]["name"], "Identity");
  EXPECT_EQ(m["files"]["graph_json"], "executor-config/graph/sine.graph");
}

TEST(CliInfo, UsageErrors) {
  EXPECT_EQ(run_utvm("info").code, 2);
  EXPECT_EQ(run_utvm("info a.tar --bogus").code, 2);
}

std::string gzip_garbage() {
  std::string data(5000, '\x42');
  std::string out(8000, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct BadCase {
  std::string name, bytes, needle;
};

std::vector<BadCase> bad_cases() {
  const std::string meta = "{\"version\": 5, \"executors\": [\"aot\"]}";
  std::vector<BadCase> c;
  c.push_back({"empty", "", "empty"});
  c.push_back({"not_a_tar", std::string(3000, 'q'), "not a readable tar"});
  {
    TarWriter t;
    t.file("./metadata.json", meta).file("./b", "b");
    c.push_back({"truncated_header", t.raw().substr(0, 1024 + 100), "truncated"});
    c.push_back({"truncated_member",
                 TarWriter().file("./m", std::string(4000, 'm')).raw().substr(0, 1500),
                 "truncated"});
  }
  c.push_back({"gzip_garbage", gzip_garbage(), "tar"});
  c.push_back(
      {"no_metadata", TarWriter().file("./src/relay.txt", "x").finish(), "metadata.json: missing"});
  c.push_back({"metadata_not_json", TarWriter().file("./metadata.json", "not json").finish(),
               "not valid JSON"});
  c.push_back({"unknown_version", TarWriter().file("./metadata.json", "{\"version\": 99}").finish(),
               "unsupported metadata version 99"});
  c.push_back({"no_executors", TarWriter().file("./metadata.json", "{\"version\": 5}").finish(),
               "no executor"});
  c.push_back(
      {"dotdot", TarWriter().file("./metadata.json", meta).file("../evil", "x").finish(), "'..'"});
  c.push_back({"absolute", TarWriter().file("/tmp/evil", "x").finish(), "absolute"});
  c.push_back({"symlink", TarWriter().entry("./metadata.json", "", '2', "/etc/passwd").finish(),
               "symbolic link"});
  c.push_back({"hardlink",
               TarWriter().file("./a", "x").entry("./metadata.json", "", '1', "./a").finish(),
               "hard link"});
  c.push_back({"member_over_cap",
               TarWriter().entry("./metadata.json", "", '0', "", false, 700ull << 20).finish(),
               "cap"});
  {
    TarWriter t;
    for (int i = 0; i < 100000; ++i)
      t.file("./f" + std::to_string(i), "");
    c.push_back({"100000_members", t.finish(), "more than 10000 members"});
  }
  return c;
}

TEST(CliInfo, BadArchivesExit10WithAClearErrorAndWriteNothing) {
  TempDir tmp;
  for (const BadCase& bc : bad_cases()) {
    SCOPED_TRACE(bc.name);
    std::filesystem::path tar = tmp.path() / (bc.name + ".tar");
    testing::write_file(tar, bc.bytes);
    RunResult r = run_utvm("info " + quote(tar.string()));
    EXPECT_EQ(r.code, 10) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("error: " + tar.string(), 0), 0u) << r.err;
    EXPECT_NE(r.err.find(bc.needle), std::string::npos) << r.err;
    std::filesystem::remove(tar);
  }
  // Nothing was written next to the archives.
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(CliInfo, MissingFile) {
  RunResult r = run_utvm("info /nonexistent/model.tar");
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace utvm::mlf
