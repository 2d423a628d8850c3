#include "run_io.h"

#include <fmt/core.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>

#include "utvm/common/error.h"

namespace utvm::cli {

namespace {

bool is_float(const std::string& dtype) {
  return dtype.rfind("float", 0) == 0;
}

std::uint16_t float_to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  std::uint32_t sign = (x >> 16) & 0x8000u;
  std::int32_t exp = static_cast<std::int32_t>((x >> 23) & 0xff) - 127 + 15;
  std::uint32_t mant = x & 0x7fffffu;
  if (exp <= 0) return static_cast<std::uint16_t>(sign);  // flush tiny values to zero
  if (exp >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exp) << 10) | (mant >> 13);
  if (mant & 0x1000u) ++half;  // round half up
  return static_cast<std::uint16_t>(half);
}

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t x;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31)
    x = sign | 0x7f800000u | (mant << 13);
  else
    x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// Writes `value` as element `i` of an array of `dtype`.
void store(std::string& data, const std::string& dtype, std::size_t i, double value) {
  auto put = [&](auto v) { std::memcpy(data.data() + i * sizeof(v), &v, sizeof(v)); };
  if (dtype == "float32") return put(static_cast<float>(value));
  if (dtype == "float64") return put(value);
  if (dtype == "float16") return put(float_to_half(static_cast<float>(value)));
  if (dtype == "int8") return put(static_cast<std::int8_t>(value));
  if (dtype == "uint8") return put(static_cast<std::uint8_t>(value));
  if (dtype == "int16") return put(static_cast<std::int16_t>(value));
  if (dtype == "uint16") return put(static_cast<std::uint16_t>(value));
  if (dtype == "int32") return put(static_cast<std::int32_t>(value));
  if (dtype == "uint32") return put(static_cast<std::uint32_t>(value));
  if (dtype == "int64") return put(static_cast<std::int64_t>(value));
  if (dtype == "uint64") return put(static_cast<std::uint64_t>(value));
  if (dtype == "bool") return put(static_cast<std::uint8_t>(value != 0.0));
  throw Error(ExitCode::kBadInput, fmt::format("unsupported dtype '{}'", dtype));
}

double load(const std::string& data, const std::string& dtype, std::size_t i) {
  auto get = [&](auto v) {
    std::memcpy(&v, data.data() + i * sizeof(v), sizeof(v));
    return v;
  };
  if (dtype == "float32") return get(float{});
  if (dtype == "float64") return get(double{});
  if (dtype == "float16") return half_to_float(get(std::uint16_t{}));
  if (dtype == "int8") return get(std::int8_t{});
  if (dtype == "uint8") return get(std::uint8_t{});
  if (dtype == "int16") return get(std::int16_t{});
  if (dtype == "uint16") return get(std::uint16_t{});
  if (dtype == "int32") return get(std::int32_t{});
  if (dtype == "uint32") return static_cast<double>(get(std::uint32_t{}));
  if (dtype == "int64") return static_cast<double>(get(std::int64_t{}));
  if (dtype == "uint64") return static_cast<double>(get(std::uint64_t{}));
  if (dtype == "bool") return get(std::uint8_t{}) ? 1.0 : 0.0;
  throw Error(ExitCode::kBadInput, fmt::format("unsupported dtype '{}'", dtype));
}

// numpy-style row formatting of a 2-D array given as rows of doubles.
std::string numpy_2d(const std::vector<std::vector<double>>& rows, bool floats) {
  std::vector<std::vector<std::string>> cells(rows.size());
  if (!floats) {
    std::size_t width = 0;
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (double v : rows[r]) {
        cells[r].push_back(fmt::format("{}", static_cast<long long>(v)));
        width = std::max(width, cells[r].back().size());
      }
    for (auto& row : cells)
      for (auto& c : row)
        c = std::string(width - c.size(), ' ') + c;
  } else {
    double max_abs = 0.0, min_abs = INFINITY;
    for (const auto& row : rows)
      for (double v : row)
        if (std::isfinite(v) && v != 0.0) {
          max_abs = std::max(max_abs, std::fabs(v));
          min_abs = std::min(min_abs, std::fabs(v));
        }
    const bool scientific = max_abs >= 1e8 || (min_abs < 1e-4) || (max_abs / min_abs > 1e3);
    std::size_t int_w = 0, frac_w = 0;
    std::vector<std::vector<std::pair<std::string, std::string>>> parts(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (double v : rows[r]) {
        std::string s;
        if (!std::isfinite(v)) {
          s = std::isnan(v) ? "nan" : (v < 0 ? "-inf" : "inf");
          parts[r].push_back({s, ""});
          int_w = std::max(int_w, s.size());
          continue;
        }
        std::string exp;
        if (scientific) {
          s = fmt::format("{:.8e}", v);
          auto e = s.find('e');
          exp = s.substr(e);
          s = s.substr(0, e);
        } else {
          s = fmt::format("{:.8f}", v);
        }
        while (!s.empty() && s.back() == '0')
          s.pop_back();
        auto dot = s.find('.');
        std::string ip = s.substr(0, dot), fp = s.substr(dot + 1) + exp;
        int_w = std::max(int_w, ip.size());
        frac_w = std::max(frac_w, fp.size());
        parts[r].push_back({ip, fp});
      }
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (const auto& [ip, fp] : parts[r]) {
        if (fp.empty() && (ip == "nan" || ip == "inf" || ip == "-inf")) {
          cells[r].push_back(std::string(int_w + 1 + frac_w - ip.size(), ' ') + ip);
          continue;
        }
        cells[r].push_back(std::string(int_w - ip.size(), ' ') + ip + "." + fp +
                           std::string(frac_w - fp.size(), ' '));
      }
  }
  std::string out = "[";
  for (std::size_t r = 0; r < cells.size(); ++r) {
    if (r) out += "\n ";
    out += "[";
    for (std::size_t c = 0; c < cells[r].size(); ++c) {
      if (c) out += " ";
      out += cells[r][c];
    }
    out += "]";
  }
  return out + "]";
}

}  // namespace

std::string shape_tuple_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::string shape_list_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

FillMode parse_fill_mode(const std::string& text) {
  if (text == "zeros") return FillMode::kZeros;
  if (text == "ones") return FillMode::kOnes;
  if (text == "random") return FillMode::kRandom;
  throw Error(ExitCode::kUsage,
              fmt::format("--fill-mode: '{}' is not one of zeros, ones, random", text));
}

std::vector<npz::Array> prepare_inputs(const std::vector<TensorSpec>& specs,
                                       const std::vector<std::pair<std::string, npz::Array>>& given,
                                       const std::string& given_file, FillMode fill,
                                       std::uint64_t seed) {
  std::map<std::string, const npz::Array*> by_name;
  for (const auto& entry : given) {
    const std::string& name = entry.first;  // a plain reference: lambdas capture it (C++17 rule)
    const npz::Array& array = entry.second;
    auto it = std::find_if(specs.begin(), specs.end(),
                           [&](const TensorSpec& s) { return s.name == name; });
    if (it == specs.end()) {
      std::string expected = "[";
      for (std::size_t i = 0; i < specs.size(); ++i)
        expected += (i ? ", '" : "'") + specs[i].name + "'";
      expected += "]";
      throw Error(
          ExitCode::kBadInput,
          fmt::format("{}: the input tensor '{}' is not in the graph. Expected inputs: '{}'",
                      given_file, name, expected));
    }
    by_name[name] = &array;
  }

  std::mt19937_64 rng(seed);
  std::vector<npz::Array> out;
  for (const auto& spec : specs) {
    if (auto it = by_name.find(spec.name); it != by_name.end()) {
      const npz::Array& a = *it->second;
      if (a.dtype != spec.dtype)
        throw Error(ExitCode::kBadInput,
                    fmt::format("{}: input '{}' has dtype {}, the model wants {}", given_file,
                                spec.name, a.dtype, spec.dtype));
      if (!spec.shape.empty() && a.shape != spec.shape)
        throw Error(
            ExitCode::kBadInput,
            fmt::format("{}: input '{}' has shape {}, the model wants {}", given_file, spec.name,
                        shape_tuple_text(a.shape), shape_tuple_text(spec.shape)));
      if (a.data.size() != spec.bytes)
        throw Error(ExitCode::kBadInput,
                    fmt::format("{}: input '{}' has {} bytes, the model wants {}", given_file,
                                spec.name, a.data.size(), spec.bytes));
      out.push_back(a);
      continue;
    }
    npz::Array a;
    a.dtype = spec.dtype;
    a.shape = spec.shape;
    const std::uint64_t elem = npz::dtype_size(spec.dtype);
    if (elem == 0 || spec.bytes % elem != 0)
      throw Error(ExitCode::kBadInput, fmt::format("input '{}': {} bytes is not a whole number of "
                                                   "{} elements",
                                                   spec.name, spec.bytes, spec.dtype));
    if (a.shape.empty()) a.shape = {static_cast<std::int64_t>(spec.bytes / elem)};
    a.data.assign(spec.bytes, '\0');
    const std::size_t count = spec.bytes / elem;
    if (fill == FillMode::kOnes) {
      for (std::size_t i = 0; i < count; ++i)
        store(a.data, spec.dtype, i, 1.0);
    } else if (fill == FillMode::kRandom) {
      std::uniform_real_distribution<double> uniform(-1.0, 1.0);
      std::uniform_int_distribution<int> small(0, 127);
      for (std::size_t i = 0; i < count; ++i) {
        double v = is_float(spec.dtype)   ? uniform(rng)
                   : spec.dtype == "bool" ? static_cast<double>(small(rng) & 1)
                                          : static_cast<double>(small(rng));
        store(a.data, spec.dtype, i, v);
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string format_top(const npz::Array& output, int n) {
  const std::uint64_t elem = npz::dtype_size(output.dtype);
  const std::size_t count = elem ? output.data.size() / elem : 0;
  std::size_t row = count;
  if (output.shape.size() >= 2 && output.shape[0] > 0)
    row = count / static_cast<std::size_t>(output.shape[0]);
  std::vector<double> values(row);
  for (std::size_t i = 0; i < row; ++i)
    values[i] = load(output.data, output.dtype, i);
  std::vector<std::size_t> order(row);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  const std::size_t k = std::min<std::size_t>(row, n < 0 ? 0 : static_cast<std::size_t>(n));
  std::vector<std::vector<double>> rows(2);
  for (std::size_t i = 0; i < k; ++i) {
    std::size_t idx = order[row - 1 - i];
    rows[0].push_back(static_cast<double>(idx));
    rows[1].push_back(values[idx]);
  }
  return numpy_2d(rows, is_float(output.dtype));
}

std::string format_time_summary(const std::vector<double>& seconds, bool emulated) {
  const char* title = emulated ? "Execution time summary (emulated):" : "Execution time summary:";
  if (seconds.empty()) return fmt::format("{} no runs\n", title);
  // Always ms, as tvmc prints; a model that runs in microseconds gets more decimals instead of
  // another unit, so figures from different boards compare column by column.
  std::vector<double> ms;
  for (double s : seconds)
    ms.push_back(s * 1e3);
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  const std::size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  double var = 0.0;
  for (double v : ms)
    var += (v - mean) * (v - mean);
  const double stddev = std::sqrt(var / n);
  const int decimals = mean < 0.01 ? 6 : 4;
  auto cell = [&](double v) { return fmt::format("{:^12.{}f}", v, decimals); };
  return fmt::format("{}\n{:^12} {:^12} {:^12} {:^12} {:^12}\n{} {} {} {} {}\n", title, "mean (ms)",
                     "median (ms)", "max (ms)", "min (ms)", "std (ms)", cell(mean), cell(median),
                     cell(sorted.back()), cell(sorted.front()), cell(stddev));
}

std::vector<std::string> compare_outputs(
    const std::vector<std::pair<std::string, npz::Array>>& outputs,
    const std::vector<std::string>& tensor_names,
    const std::vector<std::pair<std::string, npz::Array>>& expected,
    const std::string& expected_file, double rtol, double atol) {
  std::vector<std::string> diffs;
  for (const auto& [key, want] : expected) {
    std::size_t i = 0;
    while (i < outputs.size() && outputs[i].first != key &&
           (i >= tensor_names.size() || tensor_names[i] != key))
      ++i;
    if (i == outputs.size()) {
      std::string names;
      for (std::size_t j = 0; j < outputs.size(); ++j) {
        names += (j ? ", " : "") + outputs[j].first;
        if (j < tensor_names.size() && !tensor_names[j].empty())
          names += " (" + tensor_names[j] + ")";
      }
      throw Error(ExitCode::kBadInput,
                  fmt::format("{}: '{}' is not an output of the model; its outputs are: {}",
                              expected_file, key, names));
    }
    const auto& [out_key, got] = outputs[i];
    if (got.dtype != want.dtype || got.shape != want.shape) {
      diffs.push_back(fmt::format("{}: got {} {}, expected {} {}", out_key, got.dtype,
                                  shape_tuple_text(got.shape), want.dtype,
                                  shape_tuple_text(want.shape)));
      continue;
    }
    if (got.data.size() != want.data.size()) {
      diffs.push_back(
          fmt::format("{}: got {} bytes, expected {}", out_key, got.data.size(), want.data.size()));
      continue;
    }
    const bool exact = rtol == 0.0 && atol == 0.0;
    if (exact && got.data == want.data) continue;
    const std::uint64_t elem = npz::dtype_size(got.dtype);
    const std::size_t count = elem ? got.data.size() / elem : 0;
    std::size_t bad = 0, worst = 0;
    double worst_excess = -1.0;
    for (std::size_t e = 0; e < count; ++e) {
      bool same;
      double g = 0.0, w = 0.0;
      if (exact) {
        same = std::memcmp(got.data.data() + e * elem, want.data.data() + e * elem, elem) == 0;
        if (!same) {
          g = load(got.data, got.dtype, e);
          w = load(want.data, want.dtype, e);
        }
      } else {
        g = load(got.data, got.dtype, e);
        w = load(want.data, want.dtype, e);
        same = (std::isnan(g) && std::isnan(w)) || g == w ||
               std::fabs(g - w) <= atol + rtol * std::fabs(w);
      }
      if (same) continue;
      ++bad;
      const double excess = std::isnan(g - w) ? INFINITY : std::fabs(g - w);
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = e;
      }
    }
    if (bad == 0) continue;
    diffs.push_back(
        fmt::format("{}: {} of {} elements differ; worst at flat index {}: got {}, "
                    "expected {}",
                    out_key, bad, count, worst, load(got.data, got.dtype, worst),
                    load(want.data, want.dtype, worst)));
  }
  return diffs;
}

OutputMetrics output_metrics(const npz::Array& got, const npz::Array& want) {
  OutputMetrics m;
  m.same_layout = got.dtype == want.dtype && got.shape == want.shape &&
                  got.data.size() == want.data.size() && npz::dtype_size(got.dtype) != 0;
  if (!m.same_layout) return m;
  m.bit_identical = got.data == want.data;
  m.count = got.data.size() / npz::dtype_size(got.dtype);
  double sum_sq = 0.0, dot = 0.0, norm_g = 0.0, norm_w = 0.0;
  for (std::size_t i = 0; i < m.count; ++i) {
    const double g = load(got.data, got.dtype, i), w = load(want.data, want.dtype, i);
    const double err = g == w ? 0.0 : std::fabs(g - w);  // inf == inf: no error
    m.max_abs_error = std::isnan(err) || err > m.max_abs_error ? err : m.max_abs_error;
    sum_sq += err * err;
    dot += g * w;
    norm_g += g * g;
    norm_w += w * w;
    if (i > 0 && g > load(got.data, got.dtype, m.argmax_got)) m.argmax_got = i;
    if (i > 0 && w > load(want.data, want.dtype, m.argmax_want)) m.argmax_want = i;
  }
  m.rmse = m.count ? std::sqrt(sum_sq / static_cast<double>(m.count)) : 0.0;
  if (norm_g == 0.0 && norm_w == 0.0)
    m.cosine = 1.0;
  else if (norm_g == 0.0 || norm_w == 0.0)
    m.cosine = 0.0;
  else  // clamped: rounding can push it just past +-1
    m.cosine = std::clamp(dot / (std::sqrt(norm_g) * std::sqrt(norm_w)), -1.0, 1.0);
  if (m.bit_identical) m.cosine = 1.0;  // exactly, not 0.9999999999999998
  m.has_top1 = m.count > 1;
  m.top1_agree = m.argmax_got == m.argmax_want;
  return m;
}

}  // namespace utvm::cli
