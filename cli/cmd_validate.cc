// `utvm validate PROJECT_DIR`: the project's device against a host build of the same model, in one
// command. The model is the project's model.tar; the reference is a host project generated from it
// in PROJECT_DIR/.utvm/reference-host (regenerated when the model changes, built incrementally).
// Both run on the same inputs; every output is compared and reported (max abs error, RMSE, cosine
// similarity, top-1 agreement). Bit-identical or within --rtol/--atol passes; otherwise exit 9.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "device_session.h"
#include "project_steps.h"
#include "run_io.h"
#include "utvm/cli/project.h"
#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

namespace {

namespace fs = std::filesystem;
using utvm::Error;
using utvm::ExitCode;

struct ValidateArgs {
  std::string project_dir;
  std::string inputs;
  std::string fill_mode = "random";
  std::uint64_t seed = 0;
  double rtol = 0.0, atol = 0.0;
  bool json = false;
  double timeout_sec = 10.0;
  double run_timeout_sec = 120.0;
  std::vector<std::string> options;
  std::string module;
};

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The host reference's options: the CMSIS tree the device project was generated with (its
// project.json records the one it resolved; else its cmsis_path option), so a CMSIS-NN model's
// reference builds against the same CMSIS-NN.
std::vector<std::string> reference_options(const fs::path& dir) {
  std::ifstream in(dir / "project.json");
  const auto project = nlohmann::json::parse(in, nullptr, false);
  if (project.is_object() && project.contains("cmsis") && project["cmsis"].is_object() &&
      !project["cmsis"].value("path", "").empty())
    return {"cmsis_path=" + project["cmsis"]["path"].get<std::string>()};
  if (auto pf = utvm::cli::load_project_file(dir)) {
    for (const auto& o : pf->options)
      if (o.name == "cmsis_path" && o.value.is_string() && !o.value.get<std::string>().empty())
        return {"cmsis_path=" + o.value.get<std::string>()};
  }
  return {};
}

// The host reference project for `model`, made or refreshed as needed, and built.
fs::path reference_project(const fs::path& dir, const fs::path& model) {
  fs::path ref = dir / ".utvm" / "reference-host";
  std::error_code ec;
  if (!fs::is_regular_file(ref / "model.tar", ec) ||
      file_bytes(ref / "model.tar") != file_bytes(model)) {
    fs::create_directories(ref.parent_path(), ec);
    // A generated cache: keep it out of the user's version control, as pytest does.
    if (!fs::exists(ref.parent_path() / ".gitignore", ec)) {
      std::ofstream(ref.parent_path() / ".gitignore") << "# made by utvm validate\n*\n";
    }
    utvm::cli::create_project(ref, model, "host", reference_options(dir));
  }
  utvm::cli::build_project(ref);
  return ref;
}

// JSON has no NaN or infinity: those become strings.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

void do_validate(const ValidateArgs& a) {
  if (!(a.rtol >= 0.0) || !(a.atol >= 0.0))
    throw Error(ExitCode::kUsage, "--rtol and --atol must be non-negative");
  utvm::cli::check_timeout_options(a.timeout_sec, a.run_timeout_sec);
  const auto fill = utvm::cli::parse_fill_mode(a.fill_mode);
  const fs::path dir = utvm::cli::resolve_project_dir(a.project_dir);
  const fs::path model = dir / "model.tar";
  std::error_code ec;
  if (!fs::is_regular_file(model, ec))
    throw Error(ExitCode::kBadInput,
                fmt::format("{} has no model.tar: validate compares a generated project's device "
                            "with a host build of its model",
                            dir.string()));

  utvm::cli::SessionRequest req =
      utvm::cli::make_request(a.inputs, fill, a.seed, a.timeout_sec, a.run_timeout_sec);
  req.module = utvm::cli::choose_module(dir, a.module);

  const fs::path ref_dir = reference_project(dir, model);

  utvm::cli::StatusLine status(a.json ? utvm::cli::StatusLine::Mode::kSilent
                                      : utvm::cli::StatusLine::Mode::kAuto);
  utvm::cli::SessionResult device;
  std::string platform;
  {
    utvm::cli::DeviceSession session(dir);
    platform = session.info().platform_name;
    device = session.run(session.open_options(a.options), req, status);
  }
  // The reference gets exactly what the device got (filled inputs included).
  utvm::cli::SessionRequest ref_req = req;
  ref_req.given.clear();
  for (std::size_t i = 0; i < device.inputs.size(); ++i)
    ref_req.given.emplace_back(device.specs[i].name, device.inputs[i]);
  ref_req.given_file = "the device's inputs";
  utvm::cli::SessionResult reference;
  {
    utvm::cli::DeviceSession session(ref_dir);
    reference = session.run(session.open_options({}), ref_req, status);
  }

  std::vector<std::string> diffs;
  if (device.outputs.size() != reference.outputs.size())
    diffs.push_back(fmt::format("the device has {} outputs, the reference {}",
                                device.outputs.size(), reference.outputs.size()));
  const std::size_t n = std::min(device.outputs.size(), reference.outputs.size());
  std::vector<std::string> tensor_names;
  for (const auto& t : device.device.outputs)
    tensor_names.push_back(t.name);
  const std::vector<std::pair<std::string, utvm::npz::Array>> want(
      reference.outputs.begin(), reference.outputs.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto& d : utvm::cli::compare_outputs(device.outputs, tensor_names, want, "the reference",
                                            a.rtol, a.atol))
    diffs.push_back(std::move(d));

  const bool exact = a.rtol == 0.0 && a.atol == 0.0;
  const std::string rule = exact ? "bit for bit" : fmt::format("rtol {}, atol {}", a.rtol, a.atol);
  if (a.json) {
    nlohmann::ordered_json j;
    j["schema_version"] = 1;
    j["project_dir"] = dir.string();
    j["platform"] = platform;
    j["reference_dir"] = ref_dir.string();
    j["model"] = device.device.model_name;
    j["module_index"] = device.device.module_index;
    j["rtol"] = a.rtol;
    j["atol"] = a.atol;
    j["outputs"] = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [key, got] = device.outputs[i];
      const auto& ref = reference.outputs[i].second;
      const auto m = utvm::cli::output_metrics(got, ref);
      nlohmann::ordered_json o;
      o["name"] = key;
      o["tensor"] = tensor_names[i];
      o["dtype"] = got.dtype;
      o["shape"] = got.shape;
      if (!m.same_layout) {
        o["reference_dtype"] = ref.dtype;
        o["reference_shape"] = ref.shape;
      } else {
        o["bit_identical"] = m.bit_identical;
        o["max_abs_error"] = number(m.max_abs_error);
        o["rmse"] = number(m.rmse);
        o["cosine_similarity"] = number(m.cosine);
        if (m.has_top1) {
          o["top1_agree"] = m.top1_agree;
          o["argmax"] = m.argmax_got;
          o["reference_argmax"] = m.argmax_want;
        }
      }
      j["outputs"].push_back(o);
    }
    j["pass"] = diffs.empty();
    j["differences"] = diffs;
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
  } else {
    std::printf("%s (platform %s) vs host reference %s\n", dir.string().c_str(), platform.c_str(),
                ref_dir.string().c_str());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [key, got] = device.outputs[i];
      const auto& ref = reference.outputs[i].second;
      const auto m = utvm::cli::output_metrics(got, ref);
      std::string line = fmt::format("{} ({}): {} {}", key, tensor_names[i], got.dtype,
                                     utvm::cli::shape_list_text(got.shape));
      if (!m.same_layout) {
        line += fmt::format("; reference {} {}", ref.dtype, utvm::cli::shape_list_text(ref.shape));
      } else {
        line += fmt::format("  max abs error {:g}  RMSE {:g}  cosine {:.6f}", m.max_abs_error,
                            m.rmse, m.cosine);
        if (m.has_top1)
          line += m.top1_agree
                      ? fmt::format("  top-1 agrees ({})", m.argmax_got)
                      : fmt::format("  top-1 differs ({} vs {})", m.argmax_got, m.argmax_want);
        if (m.bit_identical) line += "  bit-identical";
      }
      std::puts(line.c_str());
    }
  }
  std::fflush(stdout);  // the results first, then the verdict
  if (!diffs.empty()) {
    std::string text = fmt::format("outputs differ from the host reference ({}):", rule);
    for (const auto& d : diffs)
      text += "\n  " + d;
    throw Error(ExitCode::kOutputMismatch, text);
  }
  if (!a.json) std::fprintf(stderr, "outputs match the host reference (%s)\n", rule.c_str());
}

}  // namespace

void register_validate_command(CLI::App& app) {
  auto a = std::make_shared<ValidateArgs>();
  auto* cmd = app.add_subcommand(
      "validate", "Run the model on the project's device and on a host build; compare the outputs");
  cmd->add_option("PROJECT_DIR", a->project_dir, "The project directory (holding model.tar)")
      ->required();
  cmd->add_option("-i,--inputs", a->inputs,
                  ".npz file whose keys are input names; missing inputs use --fill-mode");
  cmd->add_option("--fill-mode", a->fill_mode, "How to fill inputs not given: zeros|ones|random")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed for --fill-mode random")->capture_default_str();
  cmd->add_option("--rtol", a->rtol, "Relative tolerance (0 with --atol 0: bit for bit)")
      ->capture_default_str();
  cmd->add_option("--atol", a->atol, "Absolute tolerance (0 with --rtol 0: bit for bit)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json,
                "Print the comparison as JSON (schema_version 1; nothing else on stdout)");
  utvm::cli::add_module_option(*cmd, a->module);
  utvm::cli::add_timeout_options(*cmd, a->timeout_sec, a->run_timeout_sec,
                                 "Seconds to wait for the answer to RUN before retrying; a hung "
                                 "model fails after 5 tries");
  cmd->add_option("--project-option", a->options,
                  "The device's open_transport options as OPTION=VALUE (see `utvm run "
                  "--list-options`)")
      ->type_name("OPTION=VALUE");
  cmd->footer(
      "The host reference is built in PROJECT_DIR/.utvm/reference-host from "
      "PROJECT_DIR/model.tar.\n"
      "Exit 0 when every output matches, 9 when one differs.\n"
      "Examples:\n"
      "  utvm validate ./proj\n"
      "  utvm validate ./proj -i in.npz --rtol 1e-5 --atol 1e-6\n"
      "  utvm validate ./proj --fill-mode random --seed 7 --json");
  cmd->callback([a] { do_validate(*a); });
}
