// MLPerf Tiny's dataset layout and scores, computed as the MLCommons runner computes them
// (docs/mlperf-tiny.md): y_labels.csv without a header, Top-1 of normalised score vectors with
// the lowest index winning ties, ROC AUC (one-vs-rest macro for more than two classes, column 1
// for two), ad01's per-file mean reconstruction error with its AUC and best-threshold "Top 1%",
// and the median of the performance windows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace utvm::cli::mlperf {

// One line of y_labels.csv: file, classes, class[, window bytes, stride bytes] (ad01).
struct LabelRow {
  std::string file;  // relative to the model folder
  int classes = 0;
  int label = 0;
  std::optional<std::uint64_t> window_bytes, stride;
};

// The rows of `csv`; Error(kBadInput) naming the file and line when it cannot be read or a line
// is not "name, number, number[, number, number]".
std::vector<LabelRow> read_labels(const std::filesystem::path& csv);

// numpy.median.
double median(std::vector<double> values);

// Index of the largest value; the lowest index on a tie (numpy.argmax).
std::size_t argmax(const std::vector<double>& values);

// The binary ROC AUC of `scores` against `positive` (sklearn.metrics.roc_auc_score: ties count
// half); nullopt when only one class is present.
std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive);

struct ClassifierScore {
  double top1 = 0;            // percent
  std::optional<double> auc;  // nullopt with `auc_note` saying why
  std::string auc_note;
  std::vector<std::size_t> predicted;
};

// Each vector is divided by its sum (a sum of 0 is Error(kTransport): the runner would crash),
// then Top-1 and AUC as the runner computes them. `classes` is the label file's column.
ClassifierScore score_classifier(const std::vector<std::vector<double>>& scores,
                                 const std::vector<int>& labels, int classes);

struct AnomalyScore {
  double top1 = 0;            // the runner's best of 100 thresholds, percent
  std::optional<double> auc;  // the ad01 metric
};

// `errors`: one mean reconstruction error per file; labels 1 = anomaly.
AnomalyScore score_anomaly(const std::vector<double>& errors, const std::vector<int>& labels);

}  // namespace utvm::cli::mlperf
