// docs/architecture.md's "How to add a platform", followed: the minimal platform (this folder:
// boards.json, a DeviceHandler with open_stream, a server main) is found by `utvm boards` and
// `utvm create-project` through the platform registry, and its transport works end to end.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "minimal_server.h"
#include "utvm/common/subprocess.h"

namespace utvm::platforms::minimal {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kFolder = fs::path(UTVM_SOURCE_DIR) / "platforms/common/testing/minimal";
const fs::path kExampleMlf = fs::path(UTVM_BINARY_DIR) / "share/utvm/examples/example_mlp.tar";

// A data directory (UTVM_DATA_DIR) whose platforms/minimal is the platform as the doc lays it
// out: its launch script, boards.json and platform.json.
struct DataDir {
  fs::path root =
      fs::path(::testing::TempDir()) / ("minimal-platform-" + std::to_string(::getpid()));
  fs::path tmpl = root / "platforms" / "minimal";
  DataDir() {
    fs::remove_all(root);
    fs::create_directories(tmpl);
    fs::create_directories(root / "device" / "include");
    fs::create_directories(root / "device" / "src");
    fs::copy_file(kFolder / "boards.json", tmpl / "boards.json");
    std::ofstream(tmpl / "platform.json")
        << R"({"name": "minimal", "description": "loopback", "boards": "boards.json"})";
    const fs::path launch = tmpl / "launch_microtvm_api_server.sh";
    std::ofstream(launch) << "#!/bin/sh\nexec '" << MINIMAL_SERVER << "' \"$@\"\n";
    fs::permissions(launch, fs::perms::owner_all);
  }
  ~DataDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

struct CliRun {
  int status = -1;
  std::string out;
};

CliRun utvm(const DataDir& data, std::vector<std::string> args) {
  const fs::path out = data.root / "utvm.out";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  SpawnOptions spec;
  spec.argv = {(fs::path(UTVM_BINARY_DIR) / "bin/utvm").string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.stdout_fd = fd;
  spec.stderr_fd = fd;
  spec.extra_env = {{"UTVM_DATA_DIR", data.root.string()}};
  CliRun r;
  r.status = Process::spawn(spec).wait();
  ::close(fd);
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  r.out = text.str();
  return r;
}

TEST(MinimalPlatform, TheRegistryFindsItsBoardsAndCreatesAProject) {
  DataDir data;
  CliRun boards = utvm(data, {"boards", "minimal"});
  ASSERT_EQ(boards.status, 0) << boards.out;
  EXPECT_NE(boards.out.find("loop1"), std::string::npos) << boards.out;

  const fs::path project = data.root / "proj";
  CliRun create = utvm(data, {"create-project", project.string(), kExampleMlf.string(), "minimal",
                              "--project-option", "board=loop1"});
  ASSERT_EQ(create.status, 0) << create.out;
  const json record = json::parse(std::ifstream(project / "project.json"));
  EXPECT_EQ(record["platform"], "minimal");
  EXPECT_EQ(record["board"], "loop1");
  CliRun unknown = utvm(data, {"create-project", (data.root / "p2").string(), kExampleMlf.string(),
                               "minimal", "--project-option", "board=loop2"});
  EXPECT_NE(unknown.status, 0);
  EXPECT_FALSE(fs::exists(data.root / "p2"));
}

TEST(MinimalPlatform, ItsTransportIsDeviceHandlersOverItsOpenStream) {
  DataDir data;
  const fs::path project = data.root / "proj";
  MinimalHandler tmpl(data.tmpl);
  auto info = tmpl.server_info_query("0.16.0");
  ASSERT_EQ(info.project_options.size(), 1u);
  ASSERT_TRUE(info.project_options[0].choices);
  EXPECT_EQ(*info.project_options[0].choices, std::vector<std::string>{"loop1"});
  tmpl.generate_project(kExampleMlf, "", project, {{"board", "loop1"}});

  MinimalHandler h(project);
  h.build(json::object());
  h.flash(json::object());
  auto timeouts = h.open_transport(json::object());
  EXPECT_GT(timeouts.session_start_retry_timeout_sec + timeouts.session_start_timeout_sec +
                timeouts.session_established_timeout_sec,
            0);
  const std::vector<std::uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
  h.write_transport(hello, 5.0);
  std::vector<std::uint8_t> echoed;
  while (echoed.size() < hello.size()) {
    auto got = h.read_transport(hello.size() - echoed.size(), 5.0);
    echoed.insert(echoed.end(), got.begin(), got.end());
  }
  EXPECT_EQ(echoed, hello);
  h.close_transport();
  EXPECT_THROW(h.read_transport(1, 0.1), project_api::TransportClosedError);
}

}  // namespace
}  // namespace utvm::platforms::minimal
