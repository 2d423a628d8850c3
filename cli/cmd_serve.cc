// `utvm serve PROJECT_DIR --pty`: the project's device on a pseudo-terminal, so tools that want a
// serial port (the MLCommons MLPerf Tiny runner, a terminal program) can talk to an emulated
// board. The project's server opens its transport (for QEMU: starts the emulator) and keeps it
// open; bytes written to the pty go to write_transport, read_transport's bytes come out of it,
// until Ctrl-C (which stops the server and the emulator with it).
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <memory>

#include "commands.h"
#include "device_session.h"
#include "project_lock.h"
#include "utvm/common/error.h"
#include "utvm/project_api/errors.h"

namespace {

namespace fs = std::filesystem;
namespace api = utvm::project_api;
using utvm::Error;
using utvm::ExitCode;

struct ServeArgs {
  std::string project_dir;
  bool pty = false;
  std::vector<std::string> options;
  bool no_wait = false;
};

// A pseudo-terminal pair in raw mode (no echo, no line editing, 8 bits), its far end held open
// by us too so the near end never sees a hang-up between two clients.
struct Pty {
  int master = -1, slave = -1;
  std::string path;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
      throw Error(ExitCode::kFailure,
                  fmt::format("cannot create a pseudo-terminal: {}", std::strerror(errno)));
    path = ptsname(master);
    slave = open(path.c_str(), O_RDWR | O_NOCTTY);
    if (slave < 0)
      throw Error(ExitCode::kFailure,
                  fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    termios t{};
    tcgetattr(slave, &t);
    cfmakeraw(&t);
    tcsetattr(slave, TCSANOW, &t);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  }
  ~Pty() {
    if (slave >= 0) close(slave);
    if (master >= 0) close(master);
  }
};

void do_serve(ServeArgs& a) {
  if (!a.pty)
    throw Error(ExitCode::kUsage,
                "utvm serve needs --pty (the device on a pseudo-terminal; the only mode so far)");
  const fs::path dir = utvm::cli::resolve_project_dir(a.project_dir);
  const utvm::cli::ProjectLock lock(dir, "serving", !a.no_wait);
  utvm::cli::DeviceSession session(dir);
  const auto options = session.open_options(a.options);
  auto& client = session.client();
  client.open_transport(options);
  Pty pty;
  std::printf("%s\n", pty.path.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "serving the device of %s on %s (Ctrl-C stops it)\n", dir.c_str(),
               pty.path.c_str());

  std::vector<std::uint8_t> from_device;
  for (;;) {
    // Host to device: whatever the pty's client wrote.
    pollfd p{pty.master, POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      std::uint8_t buf[512];
      const ssize_t n = read(pty.master, buf, sizeof buf);
      if (n > 0) client.write_transport({buf, static_cast<std::size_t>(n)}, 5.0);
    }
    // Device to host: nobody reading means the bytes are dropped once the pty's buffer is full,
    // as a serial line drops them.
    from_device.clear();
    try {
      client.read_transport_into(512, 0.005, from_device);
    } catch (const api::IoTimeoutError&) {
    }
    std::size_t off = 0;
    while (off < from_device.size()) {
      const ssize_t n = write(pty.master, from_device.data() + off, from_device.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  }
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "Expose a flashed project's device on a pseudo-terminal (emulated boards too)");
  cmd->add_option("PROJECT_DIR", a->project_dir, "The project directory")->required();
  cmd->add_flag("--pty", a->pty,
                "Create a pseudo-terminal, print its path on stdout and relay it to the device "
                "until Ctrl-C");
  cmd->add_option("--project-option", a->options, "open_transport options as OPTION=VALUE")
      ->type_name("OPTION=VALUE");
  cmd->add_flag("--no-wait", a->no_wait,
                "Fail (exit 11) instead of waiting when another utvm is using the project");
  cmd->footer(
      "Examples:\n"
      "  utvm serve ./kws --pty          (prints /dev/pts/N; point the MLPerf Tiny runner at it)\n"
      "The emulator keeps running, and the device keeps its state, while clients come and go.");
  cmd->callback([a] { do_serve(*a); });
}
