// `utvm bench PROJECT_DIR`: MLPerf Tiny's performance and accuracy modes against a flashed
// project_type=mlperf_tiny project, speaking the MLCommons runner's serial protocol
// (cli/mlperf_protocol.h) through the project server's transport, and printing the runner's
// results.txt lines beside utvm's own summary (or --json). On a host_driven project it gives a
// quick latency figure over utvm's link instead. docs/mlperf-tiny.md describes both.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "commands.h"
#include "common/project_record.h"
#include "device_session.h"
#include "mlperf_protocol.h"
#include "mlperf_score.h"
#include "project_lock.h"
#include "utvm/cli/context.h"
#include "utvm/cli/term.h"
#include "utvm/common/error.h"
#include "utvm/common/text.h"
#include "utvm/project_api/options.h"
#include "utvm/project_api/transport_stream.h"

namespace {

namespace fs = std::filesystem;
namespace mlperf = utvm::cli::mlperf;
using utvm::Error;
using utvm::ExitCode;
using Clock = std::chrono::steady_clock;
using json = nlohmann::ordered_json;

constexpr int kSchemaVersion = 1;
constexpr int kWindows = 5;  // the runner's performance loop count (ERROR 1 otherwise)

struct BenchArgs {
  std::string project_dir;
  std::string mode = "performance";
  std::string dataset;
  std::uint64_t iterations = 0;  // 0: calibrated to --window-seconds
  std::int64_t warmups = -1;     // -1: the runner's default for the benchmark
  double window_seconds = 10.0;
  bool json = false;
  double timeout_sec = 5.0;
  double infer_timeout_sec = 30.0;
  std::vector<std::string> options;
  bool no_wait = false;
};

// The runner's performance script (tests_performance.yaml): warm-ups per benchmark.
std::uint64_t default_warmups(const std::string& model) {
  return model == "ic01" || model == "vww01" ? 5 : 10;
}

// Bytes of one sample the runner sends for `model` (ad01: one window).
std::uint64_t default_sample_bytes(const std::string& model) {
  if (model == "kws01") return 490;
  if (model == "ic01") return 3072;
  if (model == "vww01") return 27648;
  return 2560;
}

// "MMDD.HHMMSS ulp-mlperf: " as the runner stamps its summary lines.
std::string stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m%d.%H%M%S", &tm);
  return std::string(buf) + " ulp-mlperf: ";
}

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error(
        ExitCode::kBadInput,
        fmt::format("cannot read sample {} (named in the dataset's y_labels.csv)", file.string()));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The folder holding y_labels.csv: DIR itself or DIR/<model> (the runner's dataset path).
fs::path model_folder(const std::string& dataset, const std::string& model) {
  fs::path dir(dataset);
  if (fs::is_regular_file(dir / "y_labels.csv")) return dir;
  if (fs::is_regular_file(dir / model / "y_labels.csv")) return dir / model;
  throw Error(ExitCode::kBadInput,
              fmt::format("--dataset {}: no y_labels.csv in it or in {}/{} (the runner's layout: "
                          "<dataset>/{}/y_labels.csv and the sample files)",
                          dataset, dataset, model, model));
}

// Samples for a performance run without --dataset: fixed pseudo-random ones (ad01: floats in
// [-1, 1], so the reconstruction error stays finite).
std::vector<std::uint8_t> synthetic_sample(const std::string& model, std::uint64_t bytes,
                                           unsigned index) {
  std::mt19937 rng(1234 + index);
  std::vector<std::uint8_t> out(bytes);
  if (model == "ad01") {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (std::size_t i = 0; i + 4 <= out.size(); i += 4) {
      const float f = dist(rng);
      std::memcpy(out.data() + i, &f, 4);
    }
  } else {
    for (auto& b : out)
      b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

// The reply of an infer must carry what the runner needs, else the run cannot be scored.
void check_infer(const mlperf::InferResult& r, const std::string& what) {
  if (!r.has_results)
    throw Error(ExitCode::kTransport,
                fmt::format("{}: the device's reply to infer has no m-results-[...] line (the "
                            "runner fails on that); it said:\n  {}",
                            what, fmt::join(r.lines, "\n  ")));
  if (r.results.empty())
    throw Error(ExitCode::kTransport,
                fmt::format("{}: the device's m-results line does not parse as numbers", what));
  if (!r.elapsed_us())
    throw Error(ExitCode::kTransport,
                fmt::format("{}: ERROR: Incomplete time data (the reply to infer needs two "
                            "m-lap-us-N lines)",
                            what));
}

struct Context {
  const BenchArgs& args;
  fs::path dir;
  mlperf::Dut& dut;
  std::string model, name, firmware;
  utvm::cli::StatusLine& status;
  json out;
};

void run_performance(Context& c) {
  const BenchArgs& a = c.args;
  // Files 0..4 of the dataset, or fixed synthetic samples (ad01: the first window of each file).
  std::vector<std::vector<std::uint8_t>> samples;
  std::vector<std::string> sample_names;
  if (!a.dataset.empty()) {
    const fs::path folder = model_folder(a.dataset, c.model);
    const auto rows = mlperf::read_labels(folder / "y_labels.csv");
    if (rows.size() < kWindows)
      throw Error(ExitCode::kBadInput,
                  fmt::format("{}: performance mode needs at least {} samples (files 0..4), it "
                              "lists {}",
                              (folder / "y_labels.csv").string(), kWindows, rows.size()));
    for (int i = 0; i < kWindows; ++i) {
      auto bytes = read_bytes(folder / rows[i].file);
      if (rows[i].window_bytes && bytes.size() > *rows[i].window_bytes)
        bytes.resize(*rows[i].window_bytes);
      samples.push_back(std::move(bytes));
      sample_names.push_back(rows[i].file);
    }
  } else {
    std::uint64_t bytes = default_sample_bytes(c.model);
    try {
      const auto project = utvm::platforms::read_project_record(c.dir);
      if (project.mlperf.is_object()) bytes = project.mlperf.value("sample_bytes", bytes);
    } catch (const std::exception&) {
    }
    for (unsigned i = 0; i < kWindows; ++i) {
      samples.push_back(synthetic_sample(c.model, bytes, i));
      sample_names.push_back(fmt::format("synthetic_{}", i));
    }
  }
  const std::uint64_t warmups =
      a.warmups >= 0 ? static_cast<std::uint64_t>(a.warmups) : default_warmups(c.model);

  // Timed inferences per window: given, or enough for --window-seconds on the device's clock.
  std::uint64_t n = a.iterations;
  if (n == 0) {
    c.status.update("calibrating: timing single inferences ...");
    c.dut.load(samples[0]);
    std::uint64_t k = 1;
    double per_us = 0;
    for (;;) {
      const auto r = c.dut.infer(k, 1);
      check_infer(r, "calibration");
      const double us = static_cast<double>(*r.elapsed_us());
      per_us = us / static_cast<double>(k);
      if (us >= 500000 || k >= (1u << 20)) break;
      // Aim at 0.6 s, growing at most a hundredfold per try.
      const double want = std::ceil(6e5 / std::max(per_us, 1e-3));
      k = std::min(k * 100, std::max(k * 2, static_cast<std::uint64_t>(want)));
    }
    // 20 % over the target: an emulator's speed follows the host's load (a real board's barely
    // varies), and the runner wants every window over 10 s.
    n = static_cast<std::uint64_t>(std::ceil(a.window_seconds * 1.2e6 / std::max(per_us, 1e-3)));
    n = std::max<std::uint64_t>(n, 1);
  }

  json windows = json::array();
  std::vector<double> throughputs;
  std::string text;
  const auto loop_start = Clock::now();
  for (int w = 0; w < kWindows; ++w) {
    c.status.update(fmt::format("window {}/{}: loading {} ...", w + 1, kWindows, sample_names[w]));
    c.dut.load(samples[w]);
    c.status.update(fmt::format("window {}/{}: infer {} {} ...", w + 1, kWindows, n, warmups));
    const auto r = c.dut.infer(n, warmups);
    check_infer(r, fmt::format("window {}", w + 1));
    const double seconds = static_cast<double>(*r.elapsed_us()) / 1e6;
    const double throughput = seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
    throughputs.push_back(throughput);
    text += fmt::format(
        "Performance results for window {}\n    # Inferences : {}\n    Runtime: "
        "{} sec.\n    Throughput: {} inf./sec.\n",
        w + 1, n, seconds, throughput);
    if (seconds > 10) text += "    Runtime requirements have been met.\n";
    windows.push_back({{"window", w + 1},
                       {"sample", sample_names[w]},
                       {"iterations", n},
                       {"warmups", warmups},
                       {"elapsed_us", *r.elapsed_us()},
                       {"throughput", throughput}});
  }
  const double host_seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
  c.status.clear();
  const double med = mlperf::median(throughputs);
  const bool shortened = a.window_seconds < 10;  // on purpose, for tests
  const bool too_short = host_seconds < 10;
  const std::string rule = "---------------------------------------------------------";
  if (too_short) {
    text += stamp() + "ERROR 2 - loop exited before 10 seconds elapsed.\n";
  } else {
    text += stamp() + rule + "\n";
    text += fmt::format("{}Median throughput is {:10.3f} inf./sec.\n", stamp(), med);
    text += stamp() + rule + "\n";
  }
  c.out["performance"] = {{"windows", windows},
                          {"iterations", n},
                          {"warmups", warmups},
                          {"median_throughput", med},
                          {"latency_ms", med > 0 ? 1000.0 / med : 0.0},
                          {"host_seconds", host_seconds},
                          {"valid", !too_short}};
  if (a.json) {
    std::fputs((c.out.dump(2) + "\n").c_str(), stdout);
  } else {
    std::fputs(text.c_str(), stdout);
    std::fputs(fmt::format("median throughput {:.3f} inf./s, latency {:.3f} ms ({} {}, {} x {} "
                           "inferences, device clock)\n",
                           med, med > 0 ? 1000.0 / med : 0.0, c.name, c.model, kWindows, n)
                   .c_str(),
               stdout);
  }
  if (too_short && !shortened)
    throw Error(ExitCode::kBenchmarkInvalid,
                fmt::format("the 5 windows took {:.1f} s of host time; MLPerf Tiny needs at least "
                            "10 s (raise --iterations or --window-seconds)",
                            host_seconds));
  if (too_short && !a.json)
    std::fputs(
        "note: windows shortened (--window-seconds under 10): not a valid MLPerf Tiny "
        "result\n",
        stderr);
}

void run_accuracy(Context& c) {
  const BenchArgs& a = c.args;
  if (a.dataset.empty())
    throw Error(ExitCode::kUsage, "--mode accuracy needs --dataset DIR (y_labels.csv + samples)");
  const fs::path folder = model_folder(a.dataset, c.model);
  const auto rows = mlperf::read_labels(folder / "y_labels.csv");
  const bool ad = c.model == "ad01";
  std::vector<std::vector<double>> scores;
  std::vector<double> errors;
  std::vector<int> labels;
  json samples = json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    c.status.update(fmt::format("sample {}/{}: {} ...", i + 1, rows.size(), row.file));
    const auto bytes = read_bytes(folder / row.file);
    json sample = {{"file", row.file}, {"label", row.label}};
    if (ad) {
      const std::uint64_t win = row.window_bytes.value_or(2560), stride = row.stride.value_or(512);
      if (bytes.size() < win)
        throw Error(ExitCode::kBadInput,
                    fmt::format("{}: {} bytes, shorter than one {}-byte "
                                "window",
                                (folder / row.file).string(), bytes.size(), win));
      double sum = 0;
      std::uint64_t count = 0;
      for (std::uint64_t at = 0; at + win <= bytes.size(); at += stride, ++count) {
        c.dut.load(std::span<const std::uint8_t>(bytes).subspan(at, win));
        const auto r = c.dut.infer(1, 0);
        check_infer(r, row.file);
        sum += r.results[0];
      }
      errors.push_back(sum / static_cast<double>(count));
      sample["windows"] = count;
      sample["score"] = errors.back();
    } else {
      c.dut.load(bytes);
      const auto r = c.dut.infer(1, 0);
      check_infer(r, row.file);
      scores.push_back(r.results);
      sample["scores"] = r.results;
    }
    labels.push_back(row.label);
    samples.push_back(std::move(sample));
  }
  c.status.clear();
  std::string text;
  json acc = {{"samples", rows.size()}};
  if (ad) {
    const auto s = mlperf::score_anomaly(errors, labels);
    text += fmt::format("{}Top 1% = {:2.1f}\n", stamp(), s.top1);
    text += s.auc ? fmt::format("{}AUC = {:.3f}\n", stamp(), *s.auc)
                  : "AUC: not computable (the labels hold only one class)\n";
    acc["top1"] = s.top1;
    acc["auc"] = s.auc ? json(*s.auc) : json(nullptr);
  } else {
    const auto s = mlperf::score_classifier(scores, labels, rows[0].classes);
    for (std::size_t i = 0; i < samples.size(); ++i)
      samples[i]["predicted"] = s.predicted[i];
    text += fmt::format("{}Top 1% = {:2.1f}\n", stamp(), s.top1);
    text += s.auc ? fmt::format("{}AUC = {:.3f}\n", stamp(), *s.auc)
                  : fmt::format("AUC: not computable ({})\n", s.auc_note);
    acc["top1"] = s.top1;
    acc["auc"] = s.auc ? json(*s.auc) : json(nullptr);
    if (!s.auc) acc["auc_note"] = s.auc_note;
  }
  acc["per_sample"] = samples;
  c.out["accuracy"] = acc;
  if (a.json)
    std::fputs((c.out.dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(text.c_str(), stdout);
}

// A host_driven project: latency over utvm's link (RUN timed on the device), no MLPerf protocol.
void run_host_driven(const BenchArgs& a, const fs::path& dir) {
  if (a.mode != "performance")
    throw Error(ExitCode::kUsage,
                fmt::format("{} is a host_driven project: only --mode performance (a latency "
                            "figure over utvm's link) works on it; create the project with "
                            "--project-option project_type=mlperf_tiny for accuracy mode",
                            dir.string()));
  utvm::cli::DeviceSession session(dir);
  const auto options = session.open_options(a.options);
  auto req = utvm::cli::make_request("", utvm::cli::FillMode::kRandom, 0, a.timeout_sec,
                                     std::max(a.infer_timeout_sec, 120.0));
  req.repeat = kWindows;
  req.number = a.iterations ? static_cast<unsigned>(a.iterations) : 10;
  utvm::cli::StatusLine status(a.json ? utvm::cli::StatusLine::Mode::kSilent
                                      : utvm::cli::StatusLine::Mode::kAuto);
  const auto res = session.run(options, req, status);
  std::vector<double> throughputs;
  for (double mean : res.repeat_means)
    throughputs.push_back(mean > 0 ? 1.0 / mean : 0.0);
  const double med = mlperf::median(throughputs);
  if (a.json) {
    json j = {{"schema_version", kSchemaVersion},
              {"project_dir", dir.string()},
              {"project_type", "host_driven"},
              {"mode", "performance"},
              {"protocol", "utvm-link"},
              {"model", res.device.model_name},
              {"performance",
               {{"iterations", req.number},
                {"median_throughput", med},
                {"latency_ms", med > 0 ? 1000.0 / med : 0.0},
                {"valid", false}}}};
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
    return;
  }
  std::fputs(fmt::format("median throughput {:.3f} inf./s, latency {:.3f} ms ({} x {} runs of {}, "
                         "device clock)\nnote: {} is a host_driven project: timed over utvm's link "
                         "(utvm run's RUN), not the MLPerf Tiny protocol\n",
                         med, med > 0 ? 1000.0 / med : 0.0, kWindows, req.number,
                         res.device.model_name, dir.string())
                 .c_str(),
             stdout);
}

void do_bench(BenchArgs& a) {
  if (a.mode != "performance" && a.mode != "accuracy")
    throw Error(ExitCode::kUsage, fmt::format("--mode {}: choose performance or accuracy", a.mode));
  if (!(a.window_seconds > 0)) throw Error(ExitCode::kUsage, "--window-seconds must be positive");
  // Calibrated windows aim 20 % over --window-seconds; the runner allows 30 s between two lines.
  if (a.window_seconds * 1.2 >= a.infer_timeout_sec)
    throw Error(
        ExitCode::kUsage,
        fmt::format("--window-seconds {}: a window would outlast the {} s the runner "
                    "allows between two lines of infer (--infer-timeout); use at most {:.0f}",
                    a.window_seconds, a.infer_timeout_sec, a.infer_timeout_sec / 1.2 - 1));
  if (!(a.timeout_sec > 0) || !(a.infer_timeout_sec > 0))
    throw Error(ExitCode::kUsage, "--timeout and --infer-timeout must be positive");
  if (!a.dataset.empty() && !fs::is_directory(a.dataset))
    throw Error(ExitCode::kBadInput, fmt::format("--dataset {}: no such directory", a.dataset));
  const fs::path dir = utvm::cli::resolve_project_dir(a.project_dir);
  const utvm::cli::ProjectLock lock(dir, "benchmarking", !a.no_wait);

  std::string project_type = "host_driven";
  try {
    std::ifstream in(dir / "project.json");
    project_type = nlohmann::json::parse(in).value("project_type", "host_driven");
  } catch (const std::exception&) {
  }
  if (project_type != "mlperf_tiny") return run_host_driven(a, dir);

  utvm::cli::DeviceSession session(dir);
  const auto options = session.open_options(a.options);
  utvm::cli::StatusLine status(a.json ? utvm::cli::StatusLine::Mode::kSilent
                                      : utvm::cli::StatusLine::Mode::kAuto);
  status.update(fmt::format("opening the link to {} ...", dir.string()));
  session.client().open_transport(options);
  utvm::project_api::TransportStream stream(session.client());
  mlperf::Dut::Timeouts timeouts;
  timeouts.line = std::chrono::milliseconds(static_cast<long>(a.timeout_sec * 1000));
  timeouts.infer = std::chrono::milliseconds(static_cast<long>(a.infer_timeout_sec * 1000));
  mlperf::Dut dut(stream, timeouts);
  // A freshly started device prints its banner; a running one stays quiet.
  dut.drain(std::chrono::milliseconds(2000));

  status.update("identifying the device (name, profile) ...");
  Context c{a, dir, dut, {}, {}, {}, status, json::object()};
  c.name = dut.name().value_or("");
  const auto profile = dut.profile();
  if (!profile.model)
    throw Error(ExitCode::kTransport,
                "the device did not report its model (m-model-[...] in its reply to profile): "
                "is this MLPerf Tiny firmware?");
  c.model = *profile.model;
  c.firmware = profile.firmware.value_or("");
  if (c.model != "kws01" && c.model != "ic01" && c.model != "vww01" && c.model != "ad01")
    throw Error(ExitCode::kTransport,
                fmt::format("the device reports model '{}'; utvm bench knows kws01, ic01, vww01 "
                            "and ad01",
                            utvm::printable(c.model, true)));
  c.out["schema_version"] = kSchemaVersion;
  c.out["project_dir"] = dir.string();
  c.out["project_type"] = "mlperf_tiny";
  c.out["mode"] = a.mode;
  c.out["protocol"] = "mlperf-tiny";
  c.out["device_name"] = c.name;
  c.out["profile"] = c.firmware;
  c.out["model"] = c.model;
  if (a.mode == "performance")
    run_performance(c);
  else
    run_accuracy(c);
  try {
    session.client().close_transport();
  } catch (const Error&) {
  }
}

}  // namespace

void register_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench", "MLPerf Tiny performance or accuracy run against a flashed mlperf_tiny project");
  cmd->add_option("PROJECT_DIR", a->project_dir, "The project directory")->required();
  cmd->add_option("--mode", a->mode, "performance (5 timed windows) or accuracy (--dataset)")
      ->capture_default_str();
  cmd->add_option("--dataset", a->dataset,
                  "The runner's dataset folder: y_labels.csv and the sample files (or its parent "
                  "holding <model>/y_labels.csv)");
  cmd->add_option("--iterations", a->iterations,
                  "Performance: timed inferences per window (default: enough for "
                  "--window-seconds on the device's clock)");
  cmd->add_option("--warmups", a->warmups,
                  "Performance: warm-up inferences per window (default: the runner's, 10 for "
                  "kws01/ad01, 5 for ic01/vww01)");
  cmd->add_option("--window-seconds", a->window_seconds,
                  "Performance: length a calibrated window aims at; under 10 the result is "
                  "marked not valid (for tests)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the results as JSON (schema_version 1), nothing else");
  cmd->add_option("--timeout", a->timeout_sec, "Seconds allowed between two reply lines")
      ->capture_default_str();
  cmd->add_option("--infer-timeout", a->infer_timeout_sec,
                  "Seconds allowed between two reply lines of infer")
      ->capture_default_str();
  cmd->add_option("--project-option", a->options, "open_transport options as OPTION=VALUE")
      ->type_name("OPTION=VALUE");
  cmd->add_flag("--no-wait", a->no_wait,
                "Fail (exit 11) instead of waiting when another utvm is using the project");
  cmd->footer(
      "Examples:\n"
      "  utvm bench ./proj                       (performance: 5 windows of >= 10 s)\n"
      "  utvm bench ./proj --mode accuracy --dataset datasets/kws01\n"
      "  utvm bench ./proj --window-seconds 1 --json   (short windows: not a valid result)\n"
      "Exit codes: 8 no or broken response from the device, 10 unreadable dataset, 12 the "
      "windows took under 10 s (see docs/cli.md).");
  cmd->callback([a] { do_bench(*a); });
}
