// Running the real `utvm` binary from the reliability tests: argument vectors (no shell), captured
// output, a deadline, and a fresh scratch folder per test that is removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace utvm::reliability {

struct Result {
  int exit_code = -1;  // 128 + signal when killed
  std::string output;  // stdout and stderr together
};

// Runs argv (argv[0] looked up on PATH) with `env` added, for at most `limit`; a run past the
// limit is killed and reported as exit code -2.
Result run(const std::vector<std::string>& argv,
           const std::vector<std::pair<std::string, std::string>>& env = {},
           std::chrono::seconds limit = std::chrono::seconds(240),
           const std::filesystem::path& cwd = {});

// `build/bin/utvm` followed by args.
Result utvm(const std::vector<std::string>& args,
            const std::vector<std::pair<std::string, std::string>>& env = {},
            std::chrono::seconds limit = std::chrono::seconds(240),
            const std::filesystem::path& cwd = {});

std::filesystem::path utvm_binary();
std::filesystem::path example_mlf();  // the build's example_mlp.tar

// A fresh empty folder under $TMPDIR named after the running test, removed with the fixture.
class Reliability : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::filesystem::path dir_;
};

std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace utvm::reliability

namespace utvm::reliability {

// A POSIX ustar archive of regular files {name, data} (names up to 99 bytes, taken verbatim).
std::string make_tar(const std::vector<std::pair<std::string, std::string>>& files);

// The names in `dir` (not recursive) that look like utvm temporaries: ".*.utvm-{new,old,tmp}-*".
std::vector<std::string> temporaries_in(const std::filesystem::path& dir);

// Waits up to `limit` for `pred` to hold, polling.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::milliseconds(10000));

}  // namespace utvm::reliability
