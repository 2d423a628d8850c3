#include "mlperf_score.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "utvm/common/error.h"

namespace utvm::cli::mlperf {

namespace {

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Python's int() of a CSV field: blanks around an optional sign and digits.
std::optional<long long> python_int(const std::string& field) {
  const std::string s = trim(field);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return v;
}

}  // namespace

std::vector<LabelRow> read_labels(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  if (!in)
    throw Error(ExitCode::kBadInput,
                fmt::format("cannot read {} (the dataset's label file: one line per sample, "
                            "\"file, classes, class\")",
                            csv.string()));
  std::vector<LabelRow> rows;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      fields.push_back(line.substr(start, comma - start));
    fields.push_back(line.substr(start));
    auto bad = [&](const std::string& why) {
      return Error(ExitCode::kBadInput,
                   fmt::format("{} line {}: {} (want \"file, classes, class[, window bytes, "
                               "stride]\" without a header line)",
                               csv.string(), number, why));
    };
    if (fields.size() != 3 && fields.size() != 5)
      throw bad(fmt::format("{} fields", fields.size()));
    LabelRow row;
    // The runner takes the file name as it is (no blanks stripped); a CR of a CRLF file too.
    row.file = fields[0];
    const auto classes = python_int(fields[1]), label = python_int(fields[2]);
    if (row.file.empty()) throw bad("no file name");
    if (!classes || !label || *classes < 1 || *label < 0)
      throw bad("classes and class must be integers");
    row.classes = static_cast<int>(*classes);
    row.label = static_cast<int>(*label);
    if (fields.size() == 5) {
      const auto w = python_int(fields[3]), s = python_int(fields[4]);
      if (!w || !s || *w <= 0 || *s <= 0) throw bad("window bytes and stride must be positive");
      row.window_bytes = static_cast<std::uint64_t>(*w);
      row.stride = static_cast<std::uint64_t>(*s);
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    throw Error(ExitCode::kBadInput, fmt::format("{} lists no samples", csv.string()));
  return rows;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::size_t argmax(const std::vector<double>& values) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i)
    if (values[i] > values[best]) best = i;
  return best;
}

std::optional<double> roc_auc(const std::vector<double>& scores,
                              const std::vector<bool>& positive) {
  // Mann-Whitney U with average ranks for ties.
  const std::size_t n = scores.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  std::vector<double> rank(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
      ++j;
    for (std::size_t k = i; k <= j; ++k)
      rank[order[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    i = j + 1;
  }
  double pos = 0, rank_sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (positive[i]) {
      ++pos;
      rank_sum += rank[i];
    }
  const double neg = static_cast<double>(n) - pos;
  if (pos == 0 || neg == 0) return std::nullopt;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

ClassifierScore score_classifier(const std::vector<std::vector<double>>& scores,
                                 const std::vector<int>& labels, int classes) {
  ClassifierScore s;
  std::vector<std::vector<double>> norm;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const double sum = std::accumulate(scores[i].begin(), scores[i].end(), 0.0);
    if (sum == 0)
      throw Error(ExitCode::kTransport,
                  fmt::format("sample {}: the device's scores sum to 0 (the MLCommons runner "
                              "fails on that with ZeroDivisionError)",
                              i + 1));
    std::vector<double> v = scores[i];
    for (double& x : v)
      x /= sum;
    s.predicted.push_back(argmax(v));
    if (static_cast<int>(s.predicted.back()) == labels[i]) ++correct;
    norm.push_back(std::move(v));
  }
  s.top1 = scores.empty() ? 0 : 100.0 * static_cast<double>(correct) / scores.size();
  // AUC: every class must be there (sklearn raises otherwise), every vector `classes` long.
  const std::size_t width = norm.empty() ? 0 : norm[0].size();
  for (const auto& v : norm)
    if (v.size() != width) {
      s.auc_note = "the score vectors differ in length";
      return s;
    }
  if (width != static_cast<std::size_t>(classes)) {
    s.auc_note = fmt::format("the device reports {} scores for {} classes", width, classes);
    return s;
  }
  for (int c = 0; c < classes; ++c)
    if (std::find(labels.begin(), labels.end(), c) == labels.end()) {
      s.auc_note = fmt::format("class {} does not appear in the labels", c);
      return s;
    }
  auto column = [&](int c) {
    std::vector<double> col;
    std::vector<bool> pos;
    for (std::size_t i = 0; i < norm.size(); ++i) {
      col.push_back(norm[i][static_cast<std::size_t>(c)]);
      pos.push_back(labels[i] == c);
    }
    return roc_auc(col, pos);
  };
  if (classes == 2) {
    s.auc = column(1);
  } else {
    double total = 0;
    for (int c = 0; c < classes; ++c)
      total += column(c).value_or(0);
    s.auc = total / classes;
  }
  return s;
}

AnomalyScore score_anomaly(const std::vector<double>& errors, const std::vector<int>& labels) {
  AnomalyScore s;
  std::vector<bool> positive;
  for (int l : labels)
    positive.push_back(l == 1);
  s.auc = roc_auc(errors, positive);
  if (errors.empty()) return s;
  const auto [lo, hi] = std::minmax_element(errors.begin(), errors.end());
  const double step = (*hi - *lo) / 100;
  for (int k = 0; k < 100; ++k) {
    const double t = *lo + step * k;
    double tp = 0, fp = 0, fn = 0;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      const bool predicted = errors[i] > t;
      if (predicted && positive[i]) ++tp;
      if (predicted && !positive[i]) ++fp;
      if (!predicted && positive[i]) ++fn;
    }
    const double precision = tp / (tp + fp + 1e-8), recall = tp / (tp + fn + 1e-8);
    s.top1 = std::max(s.top1, 100 * (precision + recall) / 2);
  }
  return s;
}

}  // namespace utvm::cli::mlperf
