// One session with a generated project's device, shared by `utvm run` and `utvm validate`:
// launch the project's server, open_transport, then utvm's link protocol through
// write_transport/read_transport (hello, set inputs, run, get outputs), then close_transport.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "run_io.h"
#include "utvm/cli/project.h"
#include "utvm/cli/term.h"
#include "utvm/link/link_client.h"
#include "utvm/npz/npz.h"
#include "utvm/project_api/client.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::cli {

using NamedArrays = std::vector<std::pair<std::string, npz::Array>>;

// What to do once the link is open.
struct SessionRequest {
  NamedArrays given;       // inputs by name (may be empty)
  std::string given_file;  // where `given` came from, for error messages
  FillMode fill = FillMode::kRandom;
  std::uint64_t seed = 0;
  unsigned repeat = 1, number = 1;
  // tvmc's --end-to-end: each timed run also sends the inputs and fetches the outputs, and is
  // timed on the host clock (transfers included) instead of by the device.
  bool end_to_end = false;
  double timeout_sec = 10.0;
  double run_timeout_sec = 120.0;
  std::optional<std::string> module;  // the module of a multi-module firmware (choose_module)
};

// The module `run` / `validate --module` address in the project in `dir`, checked against the
// project's model.tar: for a multi-module model `requested` must name one of its modules, and is
// required; for a single-module model it is optional (nullopt: the device's first module).
// Error(kUsage) listing the modules otherwise. Without a readable model.tar the request passes
// unchecked (the device checks it).
std::optional<std::string> choose_module(const std::filesystem::path& dir,
                                         const std::string& requested);
// The --module option of run and validate.
void add_module_option(CLI::App& cmd, std::string& module);
// The most .npz bytes `run` and `validate` unpack (inputs, expected outputs): far more than a
// microcontroller holds, far less than a decompression bomb asks for.
inline constexpr std::uint64_t kMaxRunNpzBytes = std::uint64_t{256} << 20;

// A request with the inputs read from `inputs_file` (none when empty; an unreadable file is an
// Error(kBadInput)), missing ones to be filled as `fill` and `seed` say; one run.
SessionRequest make_request(const std::string& inputs_file, FillMode fill, std::uint64_t seed,
                            double timeout_sec, double run_timeout_sec);

// The link's --timeout and --run-timeout options.
void add_timeout_options(CLI::App& cmd, double& timeout_sec, double& run_timeout_sec,
                         const std::string& run_timeout_help);
// Their values must be positive (NaN too is refused): Error(kUsage) naming the option.
void check_timeout_options(double timeout_sec, double run_timeout_sec);

struct SessionResult {
  link::DeviceInfo device;
  std::vector<TensorSpec> specs;      // the device's inputs
  std::vector<npz::Array> inputs;     // what was sent, in input order
  NamedArrays outputs;                // keyed output_0, output_1, ...
  std::vector<double> repeat_means;   // seconds, one per repeat (mean over `number` runs)
  std::vector<std::uint64_t> run_ns;  // every run's time (device clock; host with end_to_end)
};

class DeviceSession {
 public:
  // Launches the server of the generated project in `dir` (an Error(kBadInput) for a template).
  explicit DeviceSession(const std::filesystem::path& dir);

  const project_api::ServerInfo& info() const { return info_; }
  // The project's server, for callers that speak their own protocol over its transport.
  project_api::Client& client() { return server_.client(); }
  // open_transport's options: the project file's, overridden by OPTION=VALUE tokens.
  nlohmann::json open_options(const std::vector<std::string>& tokens) const;
  // Opens the transport with `options`, runs the model as `req` says, fetches every output,
  // checks the device did not reset, and closes the transport. Progress goes to `status`.
  SessionResult run(const nlohmann::json& options, const SessionRequest& req, StatusLine& status);

 private:
  std::filesystem::path dir_;
  std::optional<ProjectFile> project_file_;
  LaunchedServer server_;
  project_api::ServerInfo info_;
};

}  // namespace utvm::cli
