// Where utvm's installed files are, computed in one place for the CLI and the platform servers:
// <prefix>/bin/utvm (and utvm-avr-sim beside it) and <prefix>/share/utvm/ holding platforms/
// (one template directory per built-in platform), device/ (the device runtime a generated project
// copies), examples/ and doctor-tools.json. A build tree has the same layout (build/bin,
// build/share/utvm). $UTVM_DATA_DIR, when set, replaces <prefix>/share/utvm.
#pragma once

#include <filesystem>

namespace utvm::install {

// Absolute path of the running utvm executable ("utvm" when /proc/self/exe cannot be read).
std::filesystem::path self_executable();
// <prefix>/bin: where utvm and its helper programs are.
std::filesystem::path bin_dir();
// $UTVM_DATA_DIR (made absolute), else <prefix>/share/utvm.
std::filesystem::path data_dir();
// data_dir()/platforms: the built-in platforms' template directories.
std::filesystem::path platforms_dir();
// data_dir()/device: utvm's device runtime (include/, src/, ports/, mlperf/), which the CLI sends
// as generate_project's standalone_crt_dir for utvm's own platforms.
std::filesystem::path device_sources_dir();

// Whether `dir` holds utvm's device runtime (not, say, TVM's standalone CRT).
bool is_device_runtime(const std::filesystem::path& dir);
// The device runtime a server copies into a project: the standalone_crt_dir a client sent when
// it is utvm's runtime (the CLI sends device_sources_dir()), else `fallback` (TVM clients send
// TVM's CRT, or nothing).
std::filesystem::path device_runtime(const std::filesystem::path& standalone_crt_dir,
                                     const std::filesystem::path& fallback);

}  // namespace utvm::install
