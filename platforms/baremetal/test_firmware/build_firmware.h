// Test helper: builds a firmware for a board from platforms/baremetal/template with the Cortex-M
// port, either around a small main (echo.c, hello.c, hang.c) or, with `app` empty, as the device
// runtime's link server for the model sources in `model_dir`. Used by tests and benchmarks; it
// reports why it could not build (missing toolchain) instead of failing, so callers can skip.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace utvm::baremetal::testing {

// "" when qemu-system-arm and arm-none-eabi-gcc are both on PATH, else what is missing.
std::string missing_tools();

struct FirmwareRequest {
  std::string board = "mps2_an385";
  std::string app;                  // file in test_firmware/, e.g. "echo.c"; empty = link server
  std::filesystem::path model_dir;  // with app empty: C sources (+ include/) of the model
  std::string extra_cflags;
};

// Configures and builds under <binary dir>/test-firmware/<name>; returns the ELF. Throws
// utvm::Error(kBuildFailed) with the build log's tail when the build fails.
std::filesystem::path build_firmware(const FirmwareRequest& request, const std::string& name);

// True while a live (not zombie) process belongs to process group `pgid` (reads /proc).
bool process_group_alive(pid_t pgid);
// Waits up to `timeout` for process group `pgid` to have no live process; true if it is gone.
bool wait_process_group_gone(pid_t pgid, std::chrono::milliseconds timeout);

}  // namespace utvm::baremetal::testing
