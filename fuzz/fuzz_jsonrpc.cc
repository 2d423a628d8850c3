// libFuzzer target for the Project API wire layer: the input is a byte stream of request lines as
// a server reads it. Every line goes through LineReader framing and the server's request
// validation/dispatch (handle_request_line, with an in-memory loopback handler); the whole input
// is also fed to base85 decode/encode, the JSON reply decoder and the typed message parsers.
// Invariants checked: nothing crashes or throws past the API, every reply is one line of pure
// ASCII JSON in json.dumps form with a known error code, base85 and JSON dumps round-trip.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>

#include "utvm/project_api/base85.h"
#include "utvm/project_api/jsonrpc.h"
#include "utvm/project_api/line_io.h"
#include "utvm/project_api/messages.h"
#include "utvm/project_api/server.h"

namespace {

using namespace utvm::project_api;

class FuzzHandler : public Handler {
 public:
  ServerInfo server_info_query(const std::string& v) override {
    if (v == "reject") throw UnsupportedTVMVersionError();
    ServerInfo info;
    info.platform_name = "fuzz";
    info.project_options = default_project_options();
    return info;
  }
  void generate_project(const std::filesystem::path&, const std::filesystem::path&,
                        const std::filesystem::path&, const nlohmann::json& options) override {
    if (options.is_object() && options.contains("fail")) throw ServerError("failed");
  }
  void build(const nlohmann::json& options) override {
    if (options.contains("throw")) throw std::runtime_error("boom");
  }
  void flash(const nlohmann::json&) override {}
  TransportTimeouts open_transport(const nlohmann::json&) override { return {0.5, 1.0, 1e-06}; }
  void close_transport() override { loopback_.clear(); }
  std::vector<std::uint8_t> read_transport(std::size_t n, std::optional<double>) override {
    if (loopback_.empty()) throw IoTimeoutError();
    std::vector<std::uint8_t> out;
    while (!loopback_.empty() && out.size() < n) {
      out.push_back(loopback_.front());
      loopback_.pop_front();
    }
    return out;
  }
  void write_transport(std::span<const std::uint8_t> data, std::optional<double>) override {
    if (loopback_.size() + data.size() > (1u << 20)) throw TransportClosedError();
    loopback_.insert(loopback_.end(), data.begin(), data.end());
  }

 private:
  std::deque<std::uint8_t> loopback_;
};

void check(bool ok) {
  if (!ok) std::abort();
}

bool has_non_finite(const Json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_structured()) {
    for (const auto& v : j)
      if (has_non_finite(v)) return true;
  }
  return false;
}

void check_reply(const std::string& reply) {
  for (char c : reply)
    check(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
  const Json j = Json::parse(reply);  // must parse
  check(dump_ascii_json(j) == reply);
  check(j.is_object() && j.begin().key() == "jsonrpc" && j["jsonrpc"] == "2.0");
  check(j.contains("id"));
  if (j.contains("error")) {
    check(jsonrpc::is_known_error_code(j["error"]["code"].get<int>()));
    check(j["error"].contains("data"));
  } else {
    check(j.contains("result"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. Framing + request handling, as serve_fds does it (reading from a real fd).
  const int fd = memfd_create("fuzz_jsonrpc", 0);
  if (fd >= 0) {
    if (write(fd, data, size) == static_cast<ssize_t>(size) && lseek(fd, 0, SEEK_SET) == 0) {
      FuzzHandler handler;
      LineReader reader(fd, 2048, "fuzz input");
      std::string line;
      try {
        for (int i = 0; i < 64 && reader.read_line(line); ++i) {
          const RequestOutcome out = handle_request_line(handler, line);
          if (out.reply) check_reply(*out.reply);
          if (!out.keep_serving) break;
        }
      } catch (const utvm::Error&) {
        // over-long line: the server treats it as unreadable input
      }
    }
    close(fd);
  }

  // 2. base85 both ways.
  try {
    const auto decoded = b85decode(text);
    check(decoded.size() <= size);
  } catch (const utvm::Error&) {
  }
  const std::span<const std::uint8_t> bytes(data, size);
  check(b85decode(b85encode(bytes)) == std::vector<std::uint8_t>(data, data + size));

  // 3. JSON: parse_json agrees with nlohmann wherever nlohmann accepts the text (parse_json also
  //    takes Python's NaN/Infinity); Python-style dumps re-parse to the same text; replies and
  //    typed messages parse strictly.
  const Json reference = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::optional<Json> parsed = parse_json(text);
  if (!reference.is_discarded()) {
    // nlohmann has no depth limit; everything else it accepts, parse_json must accept equally.
    if (parsed) check(*parsed == reference);
  } else if (parsed) {
    // Python's json.loads (and parse_json) also take NaN / Infinity, and numbers too large for a
    // double (4e440 becomes inf), which nlohmann rejects.
    check(text.find("NaN") != std::string_view::npos ||
          text.find("Infinity") != std::string_view::npos || has_non_finite(*parsed));
  }
  if (parsed) {
    const Json& j = *parsed;
    const std::string dumped = dump_ascii_json(j);
    const auto again = parse_json(dumped, nullptr, 100000);
    check(again && dump_ascii_json(*again) == dumped);
    (void)python_repr(j);
    try {
      (void)jsonrpc::decode_reply(j, Json(1));
    } catch (const utvm::Error&) {
    }
    try {
      (void)j.get<ServerInfo>();
    } catch (const utvm::Error&) {
    }
    try {
      (void)j.get<WriteTransportParams>();
    } catch (const utvm::Error&) {
    }
    try {
      (void)j.get<OpenTransportResult>();
    } catch (const utvm::Error&) {
    }
  }
  return 0;
}
