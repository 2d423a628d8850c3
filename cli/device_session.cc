#include "device_session.h"

#include <fmt/format.h>

#include <algorithm>

#include <chrono>

#include "utvm/cli/model_check.h"
#include "utvm/common/error.h"
#include "utvm/mlf/model.h"
#include "utvm/project_api/errors.h"
#include "utvm/project_api/options.h"
#include "utvm/project_api/transport_stream.h"
#include "utvm/transport/byte_stream.h"

namespace utvm::cli {

namespace {

namespace fs = std::filesystem;
namespace api = utvm::project_api;

}  // namespace

SessionRequest make_request(const std::string& inputs_file, FillMode fill, std::uint64_t seed,
                            double timeout_sec, double run_timeout_sec) {
  SessionRequest req;
  if (!inputs_file.empty()) req.given = npz::read_npz(inputs_file, kMaxRunNpzBytes);
  req.given_file = inputs_file;
  req.fill = fill;
  req.seed = seed;
  req.timeout_sec = timeout_sec;
  req.run_timeout_sec = run_timeout_sec;
  return req;
}

std::optional<std::string> choose_module(const fs::path& dir, const std::string& requested) {
  std::vector<std::string> names;
  try {
    for (const mlf::Module& m : mlf::load_model(dir / "model.tar").modules)
      names.push_back(m.name);
  } catch (const Error&) {
    if (requested.empty()) return std::nullopt;
    return requested;
  }
  const bool known = std::find(names.begin(), names.end(), requested) != names.end();
  if (requested.empty()) {
    if (names.size() <= 1) return std::nullopt;
    throw Error(ExitCode::kUsage,
                fmt::format("the model of {} holds {} modules ({}): choose one with --module NAME",
                            dir.string(), names.size(), fmt::join(names, ", ")));
  }
  if (!known) {
    throw Error(ExitCode::kUsage, fmt::format("--module {}: the model of {} has no such module "
                                              "(its modules: {})",
                                              requested, dir.string(), fmt::join(names, ", ")));
  }
  return requested;
}

void add_module_option(CLI::App& cmd, std::string& module) {
  cmd.add_option("--module", module,
                 "Which module of a multi-module model to run (required when the model.tar "
                 "holds several; see `utvm info`)");
}

void add_timeout_options(CLI::App& cmd, double& timeout_sec, double& run_timeout_sec,
                         const std::string& run_timeout_help) {
  cmd.add_option("--timeout", timeout_sec, "Seconds to wait for each device reply before retrying")
      ->capture_default_str();
  cmd.add_option("--run-timeout", run_timeout_sec, run_timeout_help)->capture_default_str();
}

void check_timeout_options(double timeout_sec, double run_timeout_sec) {
  if (!(timeout_sec > 0)) throw Error(ExitCode::kUsage, "--timeout must be positive");
  if (!(run_timeout_sec > 0)) throw Error(ExitCode::kUsage, "--run-timeout must be positive");
}

DeviceSession::DeviceSession(const fs::path& dir)
    : dir_(dir), project_file_(load_project_file(dir)), server_(dir) {
  if (project_file_) warn_if_model_changed(dir, *project_file_);
  info_ = server_->server_info_query();
  if (info_.is_template)
    throw Error(ExitCode::kBadInput,
                fmt::format("{} is a template, not a generated project (create one with `utvm "
                            "create-project PROJECT_DIR MLF {}`)",
                            dir.string(), info_.platform_name));
}

nlohmann::json DeviceSession::open_options(const std::vector<std::string>& tokens) const {
  const api::ValueMode mode = project_file_ ? project_file_->value_mode : api::ValueMode::kTyped;
  return merge_method_options(api::method::kOpenTransport, info_.project_options,
                              project_file_ ? &*project_file_ : nullptr,
                              api::parse_option_tokens(tokens), mode);
}

SessionResult DeviceSession::run(const nlohmann::json& options, const SessionRequest& req,
                                 StatusLine& status) {
  SessionResult res;
  status.update(fmt::format("opening the link to {} ...", dir_.string()));
  server_->open_transport(options);
  api::TransportStream stream(server_.client());
  link::LinkConfig link_config;
  link_config.reply_timeout = std::chrono::milliseconds(static_cast<long>(req.timeout_sec * 1000));
  link_config.run_timeout =
      std::chrono::milliseconds(static_cast<long>(req.run_timeout_sec * 1000));
  link::LinkClient link(stream, link_config);
  if (req.module) link.select_module(*req.module);

  res.device = link.hello();
  for (const auto& t : res.device.inputs)
    res.specs.push_back({t.name, t.dtype, t.shape, t.nbytes});
  res.inputs = prepare_inputs(res.specs, req.given, req.given_file, req.fill, req.seed);
  auto send_inputs = [&] {
    for (std::size_t i = 0; i < res.inputs.size(); ++i) {
      const auto& data = res.inputs[i].data;
      link.set_input(static_cast<std::uint16_t>(i),
                     {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
    }
  };
  auto fetch_outputs = [&] {
    res.outputs.clear();
    for (std::size_t i = 0; i < res.device.outputs.size(); ++i) {
      const auto& t = res.device.outputs[i];
      npz::Array arr;
      arr.dtype = t.dtype;
      arr.shape = t.shape;
      const auto bytes = link.get_output(static_cast<std::uint16_t>(i));
      arr.data.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      res.outputs.emplace_back(fmt::format("output_{}", i), std::move(arr));
    }
  };

  if (req.end_to_end) {
    // Every run carries its inputs and outputs; the host clock times the whole round trip.
    status.update(fmt::format("running {} x {} end to end ...", req.repeat, req.number));
    for (unsigned r = 0; r < req.repeat; ++r) {
      std::uint64_t total_ns = 0;
      for (unsigned k = 0; k < req.number; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        send_inputs();
        link.run(1);
        fetch_outputs();
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
        res.run_ns.push_back(static_cast<std::uint64_t>(ns));
        total_ns += static_cast<std::uint64_t>(ns);
      }
      res.repeat_means.push_back(static_cast<double>(total_ns) / req.number * 1e-9);
    }
  } else {
    status.update("sending inputs ...");
    send_inputs();
    status.update(fmt::format("running {} x {} ...", req.repeat, req.number));
    for (unsigned r = 0; r < req.repeat; ++r) {
      const auto stats = link.run(req.number);
      res.repeat_means.push_back(stats.mean_ns() * 1e-9);
      res.run_ns.insert(res.run_ns.end(), stats.run_ns.begin(), stats.run_ns.end());
    }
    status.update("fetching outputs ...");
    fetch_outputs();
  }
  // A device that rebooted mid-session (brown-out, watchdog) would have run on lost inputs.
  link.check_session();
  try {
    server_->close_transport();
  } catch (const Error&) {
    // The outputs are already here; a device that will not close cleanly is not worth failing.
  }
  status.clear();
  return res;
}

}  // namespace utvm::cli
