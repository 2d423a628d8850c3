// `utvm run PROJECT_DIR`: run the model on a built and flashed project's device, tvmc-compatible
// (`utvm run --device micro PROJECT_DIR ...` works too).
//
// The project's own server is asked to open_transport; utvm's link protocol then runs through
// write_transport/read_transport: hello (the device describes its inputs and outputs), set input,
// run N times (timed on the device), get output; then close_transport.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "deploy_state.h"
#include "device_session.h"
#include "project_lock.h"
#include "project_steps.h"
#include "run_io.h"
#include "utvm/cli/context.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/cli/project.h"
#include "utvm/common/error.h"
#include "utvm/common/text.h"
#include "utvm/npz/npz.h"
#include "utvm/project_api/options.h"

namespace {

namespace fs = std::filesystem;
namespace api = utvm::project_api;
using utvm::Error;
using utvm::ExitCode;

struct RunArgs {
  std::string project_dir;
  std::string device = "micro";
  std::string inputs, outputs, expected;
  double rtol = 0.0, atol = 0.0;
  std::string fill_mode = "random";
  std::uint64_t seed = 0;
  int print_top = 0;
  bool print_time = false;
  bool end_to_end = false;
  unsigned repeat = 1, number = 1;
  bool json = false;
  double timeout_sec = 10.0;
  double run_timeout_sec = 120.0;
  std::vector<std::string> options;
  bool list_options = false;
  std::string module;
  bool no_wait = false;
  bool build = false;  // --build: build and flash first when the device is stale
};

// Output values as JSON numbers (doubles for floats, integers otherwise).
nlohmann::json values_json(const utvm::npz::Array& a) {
  nlohmann::json values = nlohmann::json::array();
  const std::uint64_t elem = utvm::npz::dtype_size(a.dtype);
  const std::size_t n = elem ? a.data.size() / elem : 0;
  auto each = [&](auto zero) {
    for (std::size_t i = 0; i < n; ++i) {
      decltype(zero) v;
      std::memcpy(&v, a.data.data() + i * sizeof(v), sizeof(v));
      values.push_back(v);
    }
  };
  if (a.dtype == "float32")
    each(float{});
  else if (a.dtype == "float64")
    each(double{});
  else if (a.dtype == "int8")
    each(std::int8_t{});
  else if (a.dtype == "uint8" || a.dtype == "bool")
    each(std::uint8_t{});
  else if (a.dtype == "int16")
    each(std::int16_t{});
  else if (a.dtype == "uint16")
    each(std::uint16_t{});
  else if (a.dtype == "int32")
    each(std::int32_t{});
  else if (a.dtype == "uint32")
    each(std::uint32_t{});
  else if (a.dtype == "int64")
    each(std::int64_t{});
  else if (a.dtype == "uint64")
    each(std::uint64_t{});
  else
    return nullptr;
  return values;
}

// A short, human summary of one output: dtype, shape and the first values.
std::string output_summary(const std::string& key, const std::string& tensor,
                           const utvm::npz::Array& a) {
  nlohmann::json values = values_json(a);
  std::string head;
  if (values.is_array()) {
    const std::size_t show = std::min<std::size_t>(values.size(), 8);
    for (std::size_t i = 0; i < show; ++i)
      head += (i ? ", " : "") + values[i].dump();
    if (values.size() > show) head += ", ...";
  }
  return fmt::format("{} ({}): {} {} [{}]\n", key, tensor, a.dtype,
                     utvm::cli::shape_list_text(a.shape), head);
}

// Whether the project's device is an emulator (QEMU, simavr): its built-in platform's board data
// has an emulator for the project's board, and no real port was chosen (option port or
// serial_number, at creation or for this run). Foreign templates are never said to be.
bool device_is_emulated(const fs::path& dir, const nlohmann::json& open_options) {
  try {
    const auto pf = utvm::cli::load_project_file(dir);
    if (!pf || pf->platform == "template") return false;
    std::string board;
    nlohmann::json chosen = open_options.is_object() ? open_options : nlohmann::json::object();
    for (const auto& o : pf->options) {
      if (o.name == "board" && o.value.is_string()) board = o.value.get<std::string>();
      if (!chosen.contains(o.name)) chosen[o.name] = o.value;
    }
    for (const char* real : {"port", "serial_number"}) {
      const auto it = chosen.find(real);
      if (it != chosen.end() && !it->is_null() &&
          !(it->is_string() && it->get<std::string>().empty()))
        return false;
    }
    if (board.empty()) return false;
    for (const auto& b : utvm::cli::read_boards(utvm::cli::find_platform(pf->platform)))
      if (b.name == board) return b.emulator.has_value();
  } catch (const utvm::Error&) {
    // No board data to tell: say nothing rather than fail the run over a label.
  }
  return false;
}

void do_run(RunArgs& a) {
  if (a.device != "micro")
    throw Error(ExitCode::kUsage,
                fmt::format("--device {}: utvm runs models on micro devices only; use --device "
                            "micro (the default)",
                            a.device));
  if (a.repeat == 0 || a.number == 0)
    throw Error(ExitCode::kUsage, "--repeat and --number must be at least 1");
  utvm::cli::check_timeout_options(a.timeout_sec, a.run_timeout_sec);
  if (!(a.rtol >= 0.0) || !(a.atol >= 0.0))
    throw Error(ExitCode::kUsage, "--rtol and --atol must be non-negative");
  const auto fill = utvm::cli::parse_fill_mode(a.fill_mode);
  const fs::path dir = utvm::cli::resolve_project_dir(a.project_dir);
  const auto module = a.list_options ? std::nullopt : utvm::cli::choose_module(dir, a.module);
  if (a.build && !a.list_options) {
    if (auto why = utvm::cli::why_stale(dir)) {
      std::fprintf(stderr, "%s: building and flashing first\n",
                   utvm::printable(*why, true).c_str());
      utvm::cli::build_project(dir, /*report_to_stderr=*/true);
      utvm::cli::flash_project(dir);
    } else if (!a.json) {
      std::fprintf(stderr, "%s is up to date on the device (built and flashed)\n",
                   dir.string().c_str());
    }
  }
  const utvm::cli::ProjectLock lock(dir, "running", !a.no_wait);

  utvm::cli::DeviceSession session(dir);
  if (a.list_options) {
    std::fputs(api::format_options_help(api::method::kOpenTransport, session.info().project_options)
                   .c_str(),
               stdout);
    return;
  }
  const nlohmann::json options = session.open_options(a.options);

  // Read the inputs before touching the device, so a bad file fails fast.
  utvm::cli::SessionRequest req =
      utvm::cli::make_request(a.inputs, fill, a.seed, a.timeout_sec, a.run_timeout_sec);
  req.repeat = a.repeat;
  req.number = a.number;
  req.module = module;
  req.end_to_end = a.end_to_end;
  std::vector<std::pair<std::string, utvm::npz::Array>> expected;
  if (!a.expected.empty()) expected = utvm::npz::read_npz(a.expected, utvm::cli::kMaxRunNpzBytes);

  utvm::cli::StatusLine status(a.json ? utvm::cli::StatusLine::Mode::kSilent
                                      : utvm::cli::StatusLine::Mode::kAuto);
  const utvm::cli::SessionResult result = session.run(options, req, status);
  const auto& device = result.device;
  const auto& specs = result.specs;
  const auto& outputs = result.outputs;
  const auto& repeat_means = result.repeat_means;
  const auto& all_ns = result.run_ns;

  if (!a.outputs.empty()) utvm::npz::write_npz(a.outputs, outputs);
  std::vector<std::string> diffs;
  if (!a.expected.empty()) {
    std::vector<std::string> tensor_names;
    for (const auto& t : device.outputs)
      tensor_names.push_back(t.name);
    diffs = utvm::cli::compare_outputs(outputs, tensor_names, expected, a.expected, a.rtol, a.atol);
  }
  // After the results are shown: a mismatch still prints what the device computed.
  auto report_comparison = [&] {
    if (a.expected.empty()) return;
    std::fflush(stdout);  // the results first, then the verdict
    if (!diffs.empty()) {
      std::string text = fmt::format("outputs differ from {}:", a.expected);
      for (const auto& d : diffs)
        text += "\n  " + d;
      throw Error(ExitCode::kOutputMismatch, text);
    }
    if (!a.json)
      std::fprintf(stderr, "outputs match %s (%s)\n", a.expected.c_str(),
                   a.rtol == 0.0 && a.atol == 0.0
                       ? "bit for bit"
                       : fmt::format("rtol {}, atol {}", a.rtol, a.atol).c_str());
  };

  if (a.json) {
    nlohmann::ordered_json j;
    j["schema_version"] = 1;
    j["project_dir"] = dir.string();
    j["model"] = device.model_name;
    j["module_index"] = device.module_index;
    j["build_id"] = device.build_id;
    j["inputs"] = nlohmann::json::array();
    for (const auto& s : specs)
      j["inputs"].push_back({{"name", s.name}, {"dtype", s.dtype}, {"shape", s.shape}});
    j["outputs"] = nlohmann::json::array();
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const auto& [key, arr] = outputs[i];
      j["outputs"].push_back({{"name", key},
                              {"tensor", device.outputs[i].name},
                              {"dtype", arr.dtype},
                              {"shape", arr.shape},
                              {"values", values_json(arr)}});
    }
    j["repeat"] = a.repeat;
    j["number"] = a.number;
    j["end_to_end"] = a.end_to_end;
    j["run_times_ns"] = all_ns;
    if (!a.expected.empty()) {
      j["expected"] = {{"file", a.expected}, {"match", diffs.empty()}, {"differences", diffs}};
    }
    std::fputs((j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(),
               stdout);
    report_comparison();
    return;
  }

  if (a.print_top > 0 && !outputs.empty())
    std::fputs((utvm::cli::format_top(outputs[0].second, a.print_top) + "\n").c_str(), stdout);
  if (a.print_time) {
    std::fputs(
        utvm::cli::format_time_summary(repeat_means, device_is_emulated(dir, options)).c_str(),
        stdout);
  }
  if (a.print_top <= 0 && !a.print_time) {
    for (std::size_t i = 0; i < outputs.size(); ++i)
      std::fputs(
          utvm::printable(
              output_summary(outputs[i].first, device.outputs[i].name, outputs[i].second), true)
              .c_str(),
          stdout);
  }
  if (!a.outputs.empty()) std::fprintf(stderr, "outputs saved to %s\n", a.outputs.c_str());
  report_comparison();
}

}  // namespace

void register_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run the model on a built and flashed project's device");
  cmd->add_option("PROJECT_DIR", a->project_dir, "The project directory")->required();
  cmd->add_option("--device", a->device,
                  "Accepted for tvmc compatibility; only 'micro' (the default) is meaningful");
  cmd->add_option("-i,--inputs", a->inputs,
                  ".npz file whose keys are input names; missing inputs use --fill-mode");
  cmd->add_option("-o,--outputs", a->outputs,
                  ".npz file to write the outputs to (keys output_0, output_1, ...)");
  cmd->add_option("--expected", a->expected,
                  ".npz of expected outputs (keys output_<i> or tensor names); a difference "
                  "exits 9");
  cmd->add_option("--rtol", a->rtol, "With --expected: relative tolerance (0: bit for bit)")
      ->capture_default_str();
  cmd->add_option("--atol", a->atol, "With --expected: absolute tolerance (0: bit for bit)")
      ->capture_default_str();
  cmd->add_option("--fill-mode", a->fill_mode, "How to fill inputs not given: zeros|ones|random")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed for --fill-mode random")->capture_default_str();
  cmd->add_option("--print-top", a->print_top,
                  "Print the N largest values of output_0 with their indices (tvmc's format)");
  cmd->add_flag("--print-time", a->print_time,
                "Print device-measured run times (mean/median/max/min/std over --repeat)");
  cmd->add_flag("--end-to-end", a->end_to_end,
                "Time each run with its data transfers (inputs sent, outputs fetched) on the "
                "host clock, like tvmc's --end-to-end");
  cmd->add_option("--repeat", a->repeat, "How many measurements")->capture_default_str();
  cmd->add_option("--number", a->number, "Runs per measurement")->capture_default_str();
  cmd->add_flag("--json", a->json,
                "Print the outputs and run times as JSON (schema_version 1; nothing else)");
  utvm::cli::add_module_option(*cmd, a->module);
  utvm::cli::add_timeout_options(
      *cmd, a->timeout_sec, a->run_timeout_sec,
      "Seconds to wait for the answer to RUN (all --number runs of one measurement) before "
      "retrying; a hung model fails after 5 tries");
  cmd->add_option("--project-option", a->options,
                  "open_transport options as OPTION=VALUE (see --list-options)")
      ->type_name("OPTION=VALUE");
  cmd->add_flag("--list-options", a->list_options,
                "Show the project's open_transport options and exit");
  cmd->add_flag("--build", a->build,
                "Build and flash first when the project changed since it was last flashed "
                "(or was built and not flashed since)");
  cmd->add_flag("--no-wait", a->no_wait,
                "Fail (exit 11) instead of waiting when another utvm is using the project");
  cmd->footer(
      "Examples:\n"
      "  utvm run ./proj --fill-mode random --print-top 3\n"
      "  utvm run ./proj --build -i in.npz   (build and flash first if anything changed)\n"
      "  utvm run ./proj -i in.npz -o out.npz --print-time --repeat 10 --number 100\n"
      "  utvm run ./proj -i in.npz --expected want.npz --rtol 1e-5   (exit 9 if they differ)\n"
      "  utvm run ./proj --module sine -i in.npz   (a model.tar with several modules)\n"
      "  utvm run --device micro ./proj -i in.npz   (tvmc style)");
  cmd->callback([a] { do_run(*a); });
}
