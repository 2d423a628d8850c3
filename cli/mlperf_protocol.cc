#include "mlperf_protocol.h"

#include <fmt/format.h>

#include <cstdlib>
#include <regex>

#include "utvm/common/error.h"

namespace utvm::cli::mlperf {

namespace {

using Clock = std::chrono::steady_clock;

// Python's float() on a field: optional blanks around a decimal or scientific number, inf, nan.
std::optional<double> python_float(const std::string& field) {
  std::size_t b = field.find_first_not_of(" \t");
  std::size_t e = field.find_last_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  const std::string s = field.substr(b, e - b + 1);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return std::nullopt;
  // strtod also reads hex floats, which float() does not.
  if (s.find_first_of("xX") != std::string::npos) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> InferResult::elapsed_us() const {
  if (!start_us || !end_us) return std::nullopt;
  return *end_us >= *start_us ? *end_us - *start_us : 0;
}

std::optional<std::vector<double>> parse_results_line(const std::string& line) {
  static const std::regex kResults(R"(^m-results-\[([^\]]+)\]$)");
  std::smatch m;
  if (!std::regex_match(line, m, kResults)) return std::nullopt;
  std::vector<double> values;
  const std::string body = m[1];
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = body.find(',', start);
    const std::string field =
        body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (field.find_first_not_of(" \t") != std::string::npos) {
      auto v = python_float(field);
      if (!v) return std::vector<double>{};
      values.push_back(*v);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

Dut::Dut(transport::ByteStream& stream, Timeouts timeouts) : stream_(stream), timeouts_(timeouts) {}

std::optional<std::string> Dut::read_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      std::string line;
      for (std::size_t i = 0; i < nl; ++i)
        if (pending_[i] != '\r' && pending_[i] != '\0') line += pending_[i];
      pending_.erase(0, nl + 1);
      if (!line.empty()) return line;
      deadline = Clock::now() + timeout;  // the time allowed is per line
    }
    std::uint8_t buf[256];
    std::size_t got = 0;
    try {
      got = stream_.read(buf, deadline);
    } catch (const transport::TransportTimeout&) {
      return std::nullopt;
    }
    pending_.append(reinterpret_cast<const char*>(buf), got);
  }
}

std::vector<std::string> Dut::drain(std::chrono::milliseconds quiet) {
  std::vector<std::string> dropped;
  while (auto line = read_line(quiet)) {
    dropped.push_back(*line);
    if (line->find("m-ready") != std::string::npos) break;
  }
  return dropped;
}

std::vector<std::string> Dut::command(const std::string& text,
                                      std::optional<std::chrono::milliseconds> line_timeout) {
  const auto timeout = line_timeout.value_or(timeouts_.line);
  auto write = [&](const std::string& s) {
    stream_.write({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()},
                  Clock::now() + timeout);
  };
  // As the runner: the text, then the '%' on its own.
  write(text);
  write("%");
  std::vector<std::string> lines;
  for (;;) {
    auto line = read_line(timeout);
    if (!line) throw Error(ExitCode::kTransport, fmt::format("No response to command {}", text));
    lines.push_back(*line);
    if (line->find("m-ready") != std::string::npos) return lines;
  }
}

std::optional<std::string> Dut::name() {
  static const std::regex kName(R"(^m-(name)-dut-\[([^\]]+)]$)");
  for (const auto& line : command("name")) {
    std::smatch m;
    if (std::regex_match(line, m, kName)) return m[2].str();
  }
  return std::nullopt;
}

Dut::Profile Dut::profile() {
  static const std::regex kProfile(R"(^m-(model|profile)-\[([^\]]+)]$)");
  Profile p;
  for (const auto& line : command("profile")) {
    std::smatch m;
    if (!std::regex_match(line, m, kProfile)) continue;
    (m[1] == "model" ? p.model : p.firmware) = m[2].str();
  }
  return p;
}

void Dut::load(std::span<const std::uint8_t> bytes) {
  command(fmt::format("db load {}", bytes.size()));
  static const char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size(); i += 31) {
    std::string cmd = "db ";
    for (std::size_t j = i; j < i + 31 && j < bytes.size(); ++j) {
      cmd += kHex[bytes[j] >> 4];
      cmd += kHex[bytes[j] & 0xF];
    }
    command(cmd);
  }
}

InferResult Dut::infer(std::uint64_t n, std::uint64_t warmups) {
  static const std::regex kLap(R"(^m-lap-us-([0-9]+)$)");
  InferResult r;
  r.lines = command(fmt::format("infer {} {}", n, warmups), timeouts_.infer);
  for (const auto& line : r.lines) {
    std::smatch m;
    if (auto values = parse_results_line(line)) {
      r.has_results = true;
      r.results = std::move(*values);
    } else if (std::regex_match(line, m, kLap)) {
      const std::uint64_t t = std::strtoull(m[1].str().c_str(), nullptr, 10);
      (r.start_us ? r.end_us : r.start_us) = t;
    } else if (line.rfind("e-", 0) == 0) {
      r.errors.push_back(line);
    }
  }
  return r;
}

}  // namespace utvm::cli::mlperf
