// The server SDK against TVM's conformance checklist (spec §7 items 1-18 that concern the server,
// plus the additional wire behaviours listed after item 23), over real pipes: serve_fds() runs in
// a thread on a pipe pair and the test writes request lines / reads reply lines like a client.
// Exact reply bytes are compared wherever the spec or TVM's recorded transcript gives them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "utvm/project_api/base85.h"
#include "utvm/project_api/errors.h"
#include "utvm/project_api/jsonrpc.h"
#include "utvm/project_api/line_io.h"
#include "utvm/project_api/server.h"

namespace utvm::project_api {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

// A handler that records every call; `before` runs first in each method and may throw.
class RecordingHandler : public Handler {
 public:
  ServerInfo info;
  TransportTimeouts timeouts{1.0, 2.0, 3.0};
  std::function<void(const std::string& method)> before;
  std::optional<Bytes> read_result;  // when unset, reads come from the loopback buffer

  std::vector<std::string> calls;
  std::string tvm_version;
  nlohmann::json options;
  std::vector<std::string> paths;
  std::vector<std::pair<std::size_t, std::optional<double>>> reads;
  std::vector<std::pair<Bytes, std::optional<double>>> writes;
  std::deque<std::uint8_t> loopback;

  ServerInfo server_info_query(const std::string& v) override {
    enter("server_info_query");
    tvm_version = v;
    return info;
  }
  void generate_project(const std::filesystem::path& mlf, const std::filesystem::path& crt,
                        const std::filesystem::path& dir, const nlohmann::json& o) override {
    enter("generate_project");
    paths = {mlf.string(), crt.string(), dir.string()};
    options = o;
  }
  void build(const nlohmann::json& o) override {
    enter("build");
    options = o;
  }
  void flash(const nlohmann::json& o) override {
    enter("flash");
    options = o;
  }
  TransportTimeouts open_transport(const nlohmann::json& o) override {
    enter("open_transport");
    options = o;
    return timeouts;
  }
  void close_transport() override { enter("close_transport"); }
  Bytes read_transport(std::size_t n, std::optional<double> timeout) override {
    reads.emplace_back(n, timeout);
    enter("read_transport");
    if (read_result) return *read_result;
    if (loopback.empty()) throw IoTimeoutError();
    Bytes out;
    while (!loopback.empty() && out.size() < n) {
      out.push_back(loopback.front());
      loopback.pop_front();
    }
    return out;
  }
  void write_transport(std::span<const std::uint8_t> data, std::optional<double> t) override {
    writes.emplace_back(Bytes(data.begin(), data.end()), t);
    enter("write_transport");
    loopback.insert(loopback.end(), data.begin(), data.end());
  }

 private:
  void enter(const std::string& m) {
    calls.push_back(m);
    if (before) before(m);
  }
};

// serve_fds() in a thread on a pipe pair; the server's ends close when it returns (like a
// process exiting), so reply() sees EOF once the server stopped.
class PipeServer {
 public:
  explicit PipeServer(Handler& handler) {
    int req[2], rep[2];
    if (::pipe(req) != 0 || ::pipe(rep) != 0) throw std::runtime_error("pipe");
    to_server_ = req[1];
    from_server_ = rep[0];
    thread_ = std::thread([&handler, rfd = req[0], wfd = rep[1], this] {
      status_ = serve_fds(handler, rfd, wfd);
      ::close(rfd);
      ::close(wfd);
    });
    reader_ = std::make_unique<LineReader>(from_server_);
  }
  ~PipeServer() {
    finish();
    ::close(from_server_);
  }
  void send_raw(std::string_view bytes) { write_all(to_server_, bytes); }
  void send(std::string_view line) { write_line(to_server_, line); }
  // The next reply line, or nullopt when the server closed its end (it stopped serving).
  std::optional<std::string> reply() { return reader_->read_line(LineReader::Clock::now() + 20s); }
  std::string call(std::string_view line) {
    send(line);
    auto r = reply();
    if (!r) throw std::runtime_error("server stopped without replying");
    return *r;
  }
  // Closes the request pipe (EOF for the server) and returns serve_fds()'s status.
  int finish() {
    if (to_server_ >= 0) ::close(to_server_);
    to_server_ = -1;
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  bool stopped() { return !reply().has_value(); }

 private:
  int to_server_ = -1, from_server_ = -1;
  int status_ = -1;
  std::thread thread_;
  std::unique_ptr<LineReader> reader_;
};

std::string request(std::string_view method, std::string_view params, std::string_view id = "1") {
  return "{\"jsonrpc\": \"2.0\", \"method\": \"" + std::string(method) +
         "\", \"params\": " + std::string(params) + ", \"id\": " + std::string(id) + "}";
}

// Replaces data.traceback (free text) with TVM's transcript placeholder and re-dumps; also checks
// that the raw line already was in Python's canonical json.dumps form.
std::string normalized(const std::string& line) {
  Json j = Json::parse(line);
  EXPECT_EQ(dump_ascii_json(j), line) << "reply is not in json.dumps form";
  if (j.contains("error") && j["error"]["data"].is_object() &&
      j["error"]["data"].contains("traceback")) {
    j["error"]["data"]["traceback"] = "<server-side traceback text>";
  }
  return dump_ascii_json(j);
}

std::string server_error(std::string_view id, std::string_view message) {
  return "{\"jsonrpc\": \"2.0\", \"id\": " + std::string(id) +
         ", \"error\": {\"code\": -32000, \"message\": \"" + std::string(message) +
         "\", \"data\": {\"traceback\": \"<server-side traceback text>\"}}}";
}

std::string rpc_error(std::string_view id, int code, std::string_view message) {
  return dump_ascii_json(jsonrpc::make_error_reply(Json::parse(id), code, message));
}

constexpr const char* kNull = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": null}";

// ---- §7 item 1 ------------------------------------------------------------------------------
TEST(ServerConformance, Item01_ServerInfoQuery) {
  RecordingHandler h;
  h.info.platform_name = "platform_name";
  h.info.is_template = true;
  h.info.model_library_format_path = "./dir/test.tar";
  h.info.project_options = {
      {"foo", std::nullopt, nullptr, "bool", std::nullopt, std::vector<std::string>{"build"},
       "Option foo"},
      {"bar", std::vector<std::string>{"qux"}, nullptr, "str",
       std::vector<std::string>{"generate_project"}, std::nullopt, "Option bar"},
  };
  PipeServer s(h);
  const std::string reply = s.call(request("server_info_query", R"({"tvm_version": "1.2.3"})"));
  EXPECT_EQ(reply,
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {\"platform_name\": \"platform_name\", "
            "\"is_template\": true, \"model_library_format_path\": \"./dir/test.tar\", "
            "\"project_options\": [{\"name\": \"foo\", \"choices\": null, \"default\": null, "
            "\"type\": \"bool\", \"required\": null, \"optional\": [\"build\"], \"help\": \"Option "
            "foo\"}, {\"name\": \"bar\", \"choices\": [\"qux\"], \"default\": null, \"type\": "
            "\"str\", \"required\": [\"generate_project\"], \"optional\": null, \"help\": \"Option "
            "bar\"}], \"protocol_version\": 1}}");
  EXPECT_EQ(h.tvm_version, "1.2.3");
  EXPECT_EQ(s.finish(), 0);
}

// ---- §7 item 2 ------------------------------------------------------------------------------
TEST(ServerConformance, Item02_UnsupportedTVMVersionErrorKeepsItsType) {
  RecordingHandler h;
  h.before = [](const std::string&) { throw UnsupportedTVMVersionError(); };
  PipeServer s(h);
  const std::string reply = s.call(request("server_info_query", R"({"tvm_version": "1.2.3"})"));
  EXPECT_EQ(normalized(reply), server_error("1", "UnsupportedTVMVersionError"));
  // What a client rebuilds from that reply.
  const auto r = jsonrpc::decode_reply(Json::parse(reply), Json(1));
  ASSERT_TRUE(r.is_error);
  try {
    throw_error_reply(r.error_code, r.error_message, r.error_data,
                      "calling method server_info_query");
    FAIL() << "no exception";
  } catch (const UnsupportedTVMVersionError& e) {
    EXPECT_NE(std::string(e.what()).find("UnsupportedTVMVersionError"), std::string::npos);
  }
}

// ---- §7 item 3 ------------------------------------------------------------------------------
TEST(ServerConformance, Item03_HandlerProtocolVersionIsReportedAsIs) {
  RecordingHandler h;
  h.info.protocol_version = 0;
  PipeServer s(h);
  const Json result =
      Json::parse(s.call(request("server_info_query", R"({"tvm_version": "x"})")))["result"];
  EXPECT_EQ(result["protocol_version"], 0);
  EXPECT_EQ(result.back(), 0) << "protocol_version must be the last key";
}

// ---- §7 item 4 ------------------------------------------------------------------------------
// C++ handlers cannot leave a method unimplemented (pure virtual); the intent of TVM's item is
// that a method failing inside the handler reaches the client as an error — every method here.
TEST(ServerConformance, Item04_EveryMethodFailingInTheHandlerIsAnError) {
  RecordingHandler h;
  h.before = [](const std::string& m) { throw std::logic_error(m + " is not implemented"); };
  PipeServer s(h);
  const std::pair<const char*, const char*> methods[] = {
      {"server_info_query", R"({"tvm_version": "x"})"},
      {"generate_project",
       R"({"model_library_format_path": "m", "standalone_crt_dir": "c", "project_dir": "p", "options": {}})"},
      {"build", R"({"options": {}})"},
      {"flash", R"({"options": {}})"},
      {"open_transport", R"({"options": {}})"},
      {"close_transport", "{}"},
      {"read_transport", R"({"n": 1, "timeout_sec": null})"},
      {"write_transport", R"({"data": "00", "timeout_sec": null})"},
  };
  for (const auto& [m, params] : methods) {
    const std::string reply = s.call(request(m, params));
    EXPECT_EQ(normalized(reply), server_error("1", std::string("calling method ") + m));
    EXPECT_NE(reply.find(std::string(m) + " is not implemented"), std::string::npos) << reply;
  }
  EXPECT_EQ(h.calls.size(), 8u);
}

// ---- §7 items 5 and 6 -----------------------------------------------------------------------
TEST(ServerConformance, Item05_BuildReachesHandlerOnce) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("build", R"({"options": {"bar": "baz"}})")), kNull);
  EXPECT_EQ(h.calls, std::vector<std::string>{"build"});
  EXPECT_EQ(h.options, (nlohmann::json{{"bar", "baz"}}));
}

TEST(ServerConformance, Item06_FlashReachesHandlerOnce) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("flash", R"({"options": {"bar": "baz"}})")), kNull);
  EXPECT_EQ(h.calls, std::vector<std::string>{"flash"});
  EXPECT_EQ(h.options, (nlohmann::json{{"bar", "baz"}}));
}

// ---- §7 item 7 ------------------------------------------------------------------------------
TEST(ServerConformance, Item07_OpenTransportReturnsTimeouts) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("open_transport", R"({"options": {"bar": "baz"}})")),
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {\"timeouts\": "
            "{\"session_start_retry_timeout_sec\": 1.0, \"session_start_timeout_sec\": 2.0, "
            "\"session_established_timeout_sec\": 3.0}}}");
  EXPECT_EQ(h.options, (nlohmann::json{{"bar", "baz"}}));
}

// ---- §7 item 8 ------------------------------------------------------------------------------
TEST(ServerConformance, Item08_CloseTransport) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("close_transport", "{}")), kNull);
  EXPECT_EQ(h.calls, std::vector<std::string>{"close_transport"});
}

// ---- §7 item 9 ------------------------------------------------------------------------------
TEST(ServerConformance, Item09_ReadTransport) {
  RecordingHandler h;
  h.read_result = Bytes{'f', 'o', 'o', 0x1b};
  PipeServer s(h);
  const std::string params = R"({"n": 128, "timeout_sec": 5.0})";
  EXPECT_EQ(s.call(request("read_transport", params)),
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {\"data\": \"W^ZpB\"}}");
  h.before = [](const std::string&) { throw IoTimeoutError(); };
  EXPECT_EQ(normalized(s.call(request("read_transport", params, "2"))),
            server_error("2", "IoTimeoutError"));
  h.before = [](const std::string&) { throw TransportClosedError(); };
  EXPECT_EQ(normalized(s.call(request("read_transport", params, "3"))),
            server_error("3", "TransportClosedError"));
  ASSERT_EQ(h.reads.size(), 3u);
  for (const auto& [n, t] : h.reads) {
    EXPECT_EQ(n, 128u);
    EXPECT_EQ(t, 5.0);
  }
}

// ---- §7 item 10 -----------------------------------------------------------------------------
TEST(ServerConformance, Item10_WriteTransport) {
  RecordingHandler h;
  PipeServer s(h);
  const std::string params = R"({"data": "W^ZpB", "timeout_sec": 5.0})";
  EXPECT_EQ(s.call(request("write_transport", params)), kNull);
  h.before = [](const std::string&) { throw IoTimeoutError(); };
  EXPECT_EQ(normalized(s.call(request("write_transport", params, "2"))),
            server_error("2", "IoTimeoutError"));
  h.before = [](const std::string&) { throw TransportClosedError(); };
  EXPECT_EQ(normalized(s.call(request("write_transport", params, "3"))),
            server_error("3", "TransportClosedError"));
  ASSERT_EQ(h.writes.size(), 3u);
  for (const auto& [data, t] : h.writes) {
    EXPECT_EQ(data, (Bytes{'f', 'o', 'o', 0x1b}));
    EXPECT_EQ(t, 5.0);
  }
}

// ---- §7 item 11 -----------------------------------------------------------------------------
struct ParticularException : std::exception {
  const char* what() const noexcept override { return "particular"; }
};

TEST(ServerConformance, Item11_ArbitraryExceptionBecomesServerErrorNamingIt) {
  RecordingHandler h;
  h.before = [](const std::string&) { throw ParticularException(); };
  PipeServer s(h);
  const std::string reply = s.call(request("build", R"({"options": {}})"));
  EXPECT_EQ(normalized(reply), server_error("1", "calling method build"));
  const auto r = jsonrpc::decode_reply(Json::parse(reply), Json(1));
  try {
    throw_error_reply(r.error_code, r.error_message, r.error_data, "calling method build");
  } catch (const ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("ParticularException"), std::string::npos) << e.what();
  }
  // A ServerError with a message of the handler's choosing keeps it, plus its own data.
  h.before = [](const std::string&) {
    throw ServerError("Zephyr version found is not supported", Json::parse(R"({"k": 1})"));
  };
  const Json j = Json::parse(s.call(request("build", R"({"options": {}})", "2")));
  EXPECT_EQ(j["error"]["message"], "Zephyr version found is not supported");
  EXPECT_EQ(j["error"]["data"]["k"], 1);
  EXPECT_TRUE(j["error"]["data"]["traceback"].is_string());
}

// utvm's own addition: a ServerError caused by an option (or the input) carries its exit code in
// data["utvm_exit_code"], so the client exits 3 (or 10) instead of 5; other codes are not sent,
// and a reply naming any other code does not change the client's.
TEST(ServerConformance, OptionErrorsCarryTheirExitCode) {
  RecordingHandler h;
  h.before = [](const std::string&) {
    throw ServerError("option cmsis_path: /x is not a CMSIS tree", nullptr, {}, ExitCode::kOption);
  };
  PipeServer s(h);
  const std::string line = s.call(request("build", R"({"options": {}})"));
  const Json j = Json::parse(line);
  EXPECT_EQ(j["error"]["data"][kExitCodeKey], 3);
  const auto r = jsonrpc::decode_reply(j, Json(1));
  try {
    throw_error_reply(r.error_code, r.error_message, r.error_data,
                      "calling method generate_project");
    FAIL() << "no error";
  } catch (const ServerError& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
    EXPECT_EQ(e.message(), "option cmsis_path: /x is not a CMSIS tree");
  }
  h.before = [](const std::string&) { throw ServerError("plain"); };
  EXPECT_FALSE(
      Json::parse(s.call(request("build", R"({"options": {}})", "2")))["error"]["data"].contains(
          kExitCodeKey));
  for (int code : {0, 1, 6, 9, 130}) {
    try {
      throw_error_reply(-32000, "m", Json{{kExitCodeKey, code}});
    } catch (const ServerError& e) {
      EXPECT_EQ(e.code(), ExitCode::kServerError) << code;
    }
  }
}

// ---- §7 item 12 -----------------------------------------------------------------------------
TEST(ServerConformance, Item12_UnknownMethod) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("invalid", "{}")), rpc_error("1", -32601, "invalid: no such method"));
  // Only the eight Project API methods dispatch (no Python dunder/attribute leaks).
  EXPECT_EQ(s.call(request("__init__", "{}", "2")),
            rpc_error("2", -32601, "__init__: no such method"));
  EXPECT_EQ(s.call(request("shutdown", "{}", "3")),
            rpc_error("3", -32601, "shutdown: no such method"));
  EXPECT_TRUE(h.calls.empty());
  EXPECT_EQ(s.call(request("close_transport", "{}")), kNull);  // still serving
}

// ---- §7 item 13 -----------------------------------------------------------------------------
TEST(ServerConformance, Item13_ExtraParameters) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("build", R"({"options": {}, "invalid_param_name": 1})")),
            rpc_error("1", -32602, "build: extra parameters: invalid_param_name"));
  EXPECT_EQ(s.call(request("open_transport", R"({"options": {}, "invalid_param_name": 1})")),
            rpc_error("1", -32602, "open_transport: extra parameters: invalid_param_name"));
  EXPECT_EQ(s.call(request("read_transport", R"({"z": 0, "n": 1, "a": 2, "timeout_sec": 1})")),
            rpc_error("1", -32602, "read_transport: extra parameters: z, a"));
  EXPECT_TRUE(h.calls.empty());
}

// ---- §7 item 14 -----------------------------------------------------------------------------
TEST(ServerConformance, Item14_MissingParameters) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("build", "{}")),
            rpc_error("1", -32602, "method build: parameter options not given"));
  EXPECT_EQ(s.call(request("open_transport", "{}")),
            rpc_error("1", -32602, "method open_transport: parameter options not given"));
  // The first missing one in signature order; missing is checked before extras.
  EXPECT_EQ(s.call(request("generate_project", R"({"project_dir": "p", "x": 1})")),
            rpc_error("1", -32602,
                      "method generate_project: parameter model_library_format_path not given"));
  EXPECT_EQ(s.call(request("write_transport", R"({"data": ""})")),
            rpc_error("1", -32602, "method write_transport: parameter timeout_sec not given"));
  EXPECT_TRUE(h.calls.empty());
}

// ---- §7 item 15 -----------------------------------------------------------------------------
TEST(ServerConformance, Item15_OptionsTypeCheckedForBuildAndFlashOnly) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("build", R"({"options": null})")),
            rpc_error("1", -32602,
                      "method build: parameter options: want <class 'dict'>, got <class "
                      "'NoneType'>"));
  EXPECT_EQ(s.call(request("flash", R"({"options": "x"})")),
            rpc_error("1", -32602,
                      "method flash: parameter options: want <class 'dict'>, got <class 'str'>"));
  EXPECT_EQ(s.call(request("flash", R"({"options": [1]})")),
            rpc_error("1", -32602,
                      "method flash: parameter options: want <class 'dict'>, got <class 'list'>"));
  EXPECT_TRUE(h.calls.empty());
  // open_transport's options are not type-checked at the RPC layer: they reach the handler.
  EXPECT_EQ(Json::parse(s.call(request("open_transport", R"({"options": null})")))["id"], 1);
  EXPECT_EQ(h.calls, std::vector<std::string>{"open_transport"});
  EXPECT_TRUE(h.options.is_null());
}

// ---- §7 item 16 -----------------------------------------------------------------------------
struct InvalidCase {
  const char* line;
  const char* message;
};

TEST(ServerConformance, Item16_InvalidRequestsGetExactRepliesAndStopTheServer) {
  const InvalidCase cases[] = {
      {"1", "request: want dict; got 1"},
      {R"({"jsonrpc": 1.0})", R"(request["jsonrpc"]: want "2.0"; got 1.0)"},
      {R"({"jsonrpc": "1.0", "method": "build", "params": {}, "id": 1})",
       R"(request["jsonrpc"]: want "2.0"; got '1.0')"},
      {R"({"method": "build", "params": {}, "id": 1})",
       R"(request["jsonrpc"]: want "2.0"; got None)"},
      {R"({"jsonrpc": "2.0", "method": 123, "params": {}, "id": 1})",
       R"(request["method"]: want str; got 123)"},
      {R"({"jsonrpc": "2.0", "method": "bar!", "params": {}, "id": 1})",
       R"(request["method"]: should match regex ^[a-zA-Z0-9_]+$; got 'bar!')"},
      {R"({"jsonrpc": "2.0", "method": "build", "params": 123, "id": 1})",
       R"(request["params"]: want dict; got <class 'int'>)"},
      {R"({"jsonrpc": "2.0", "method": "build", "id": 1})",
       R"(request["params"]: want dict; got <class 'NoneType'>)"},
      {R"({"jsonrpc": "2.0", "method": "build", "params": {"options": {}}, "id": {}})",
       R"(request["id"]: want str, number, null; got {})"},
      {R"({"jsonrpc": "2.0", "method": "build", "params": {"options": {}}, "id": 1.5})",
       R"(request["id"]: want str, number, null; got 1.5)"},
      {R"([1, "a"])", "request: want dict; got [1, 'a']"},
  };
  for (const auto& c : cases) {
    RecordingHandler h;
    PipeServer s(h);
    s.send(c.line);
    const auto reply = s.reply();
    ASSERT_TRUE(reply) << c.line;
    EXPECT_EQ(*reply,
              "{\"jsonrpc\": \"2.0\", \"id\": null, \"error\": {\"code\": -32600, "
              "\"message\": " +
                  dump_ascii_json(Json(c.message)) + ", \"data\": null}}")
        << c.line;
    EXPECT_TRUE(s.stopped()) << "server kept serving after " << c.line;
    EXPECT_EQ(s.finish(), 0);
    EXPECT_TRUE(h.calls.empty());
  }
}

TEST(ServerConformance, Item16_GarbageLineStopsWithoutReply) {
  for (const char* garbage : {"this is not json", "{\"jsonrpc\": ", "\xff\xfe", "[[[[[[[1"}) {
    RecordingHandler h;
    PipeServer s(h);
    s.send(garbage);
    EXPECT_TRUE(s.stopped()) << garbage;
    EXPECT_EQ(s.finish(), 0);
  }
}

TEST(ServerConformance, Item16_EofStopsWithoutReply) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.finish(), 0);
  EXPECT_TRUE(s.stopped());
  EXPECT_TRUE(h.calls.empty());
}

// ---- §7 items 17 and 18 ---------------------------------------------------------------------
TEST(ServerConformance, Item17_DefaultOptionsOnTheWire) {
  RecordingHandler h;
  h.info.project_options = default_project_options();
  PipeServer s(h);
  const Json opts = Json::parse(
      s.call(request("server_info_query", R"({"tvm_version": "x"})")))["result"]["project_options"];
  ASSERT_EQ(opts.size(), 7u);
  EXPECT_EQ(dump_ascii_json(opts[0]),
            "{\"name\": \"verbose\", \"choices\": null, \"default\": false, \"type\": \"bool\", "
            "\"required\": null, \"optional\": [\"generate_project\"], \"help\": \"Run build with "
            "verbose output.\"}");
  EXPECT_EQ(dump_ascii_json(opts[1]),
            "{\"name\": \"project_type\", \"choices\": null, \"default\": null, \"type\": \"str\", "
            "\"required\": [\"generate_project\"], \"optional\": null, \"help\": \"Type of project "
            "to generate.\"}");
  for (const char* name : {"board", "cmsis_path", "warning_as_error"}) {
    bool found = false;
    for (const auto& o : opts)
      found = found || o["name"] == name;
    EXPECT_TRUE(found) << name;
  }
}

TEST(ServerConformance, Item18_OverriddenDefaultOptions) {
  RecordingHandler h;
  h.info.project_options = default_project_options();
  find_project_option(h.info.project_options, "verbose").optional =
      std::vector<std::string>{"flash"};
  find_project_option(h.info.project_options, "verbose").required =
      std::vector<std::string>{"build"};
  find_project_option(h.info.project_options, "board").choices =
      std::vector<std::string>{"qemu_x86", "nrf5340dk_nrf5340_cpuapp"};
  PipeServer s(h);
  const Json opts = Json::parse(
      s.call(request("server_info_query", R"({"tvm_version": "x"})")))["result"]["project_options"];
  EXPECT_EQ(opts[0]["optional"], Json::array({"flash"}));
  EXPECT_EQ(opts[0]["required"], Json::array({"build"}));
  EXPECT_EQ(opts[2]["choices"], Json::array({"qemu_x86", "nrf5340dk_nrf5340_cpuapp"}));
}

// ---- additional wire behaviours (spec §7, after item 23) -------------------------------------
TEST(ServerConformance, Wire_BlankLineKillsTheServerSilently) {
  for (const char* blank : {"", "   ", "\t"}) {
    RecordingHandler h;
    PipeServer s(h);
    s.send(blank);
    EXPECT_TRUE(s.stopped());
    EXPECT_EQ(s.finish(), 0);
  }
}

TEST(ServerConformance, Wire_StringAndOtherIdsAreEchoed) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("close_transport", "{}", "\"abc\"")),
            "{\"jsonrpc\": \"2.0\", \"id\": \"abc\", \"result\": null}");
  EXPECT_EQ(s.call(request("close_transport", "{}", "null")),
            "{\"jsonrpc\": \"2.0\", \"id\": null, \"result\": null}");
  EXPECT_EQ(s.call(request("close_transport", "{}", "true")),  // Python bools are ints
            "{\"jsonrpc\": \"2.0\", \"id\": true, \"result\": null}");
  EXPECT_EQ(s.call(request("close_transport", "{}", "-12345678901")),
            "{\"jsonrpc\": \"2.0\", \"id\": -12345678901, \"result\": null}");
  EXPECT_EQ(s.call(request("close_transport", "{}", "\"\\u00e9\"")),
            "{\"jsonrpc\": \"2.0\", \"id\": \"\\u00e9\", \"result\": null}");
}

TEST(ServerConformance, Wire_MissingIdRunsTheMethodThenErrorsWithNullId) {
  RecordingHandler h;
  PipeServer s(h);
  const std::string reply =
      s.call(R"({"jsonrpc": "2.0", "method": "build", "params": {"options": {"a": 1}}})");
  EXPECT_EQ(normalized(reply), server_error("null", "calling method build"));
  EXPECT_EQ(h.calls, std::vector<std::string>{"build"});       // side effects happened
  EXPECT_EQ(s.call(request("close_transport", "{}")), kNull);  // and it keeps serving
}

TEST(ServerConformance, Wire_CloseTransportWithAnyParamIsExtra) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(s.call(request("close_transport", R"({"x": 1})", "5")),
            rpc_error("5", -32602, "close_transport: extra parameters: x"));
}

TEST(ServerConformance, Wire_InvalidBase85InWriteIsCallingMethodError) {
  RecordingHandler h;
  PipeServer s(h);
  const std::string reply =
      s.call(request("write_transport", R"({"data": "\"\"\"", "timeout_sec": 1.0})", "9"));
  EXPECT_EQ(normalized(reply), server_error("9", "calling method write_transport"));
  EXPECT_NE(reply.find("bad base85 character at position 0"), std::string::npos);
  EXPECT_TRUE(h.writes.empty());
}

TEST(ServerConformance, Wire_UntypedParamsReachTheHandlerOrFailAsCallingMethod) {
  RecordingHandler h;
  PipeServer s(h);
  EXPECT_EQ(normalized(s.call(request("read_transport", R"({"n": "x", "timeout_sec": 1})"))),
            server_error("1", "calling method read_transport"));
  EXPECT_EQ(normalized(s.call(request("read_transport", R"({"n": 4, "timeout_sec": "soon"})"))),
            server_error("1", "calling method read_transport"));
  EXPECT_EQ(
      normalized(s.call(request(
          "generate_project",
          R"({"model_library_format_path": 1, "standalone_crt_dir": "c", "project_dir": "p", "options": {}})"))),
      server_error("1", "calling method generate_project"));
  EXPECT_EQ(s.call(request("server_info_query", R"({"tvm_version": 13})")),
            s.call(request("server_info_query", R"({"tvm_version": "13"})")));
  EXPECT_EQ(h.tvm_version, "13");
}

TEST(ServerConformance, Wire_ErrorCodesAreOnlyTheSixKnownOnes) {
  RecordingHandler h;
  h.before = [](const std::string&) { throw JsonRpcError(-1, "custom"); };
  PipeServer s(h);
  // An unknown code from a handler would crash TVM's client: it is sent as -32000 instead.
  EXPECT_EQ(normalized(s.call(request("build", R"({"options": {}})"))),
            server_error("1", "calling method build"));
  h.before = [](const std::string&) { throw JsonRpcError(-32602, "bad option", nullptr); };
  EXPECT_EQ(s.call(request("build", R"({"options": {}})")), rpc_error("1", -32602, "bad option"));
}

TEST(ServerConformance, Wire_TimeoutNullAndZeroReachTheHandler) {
  RecordingHandler h;
  h.read_result = Bytes{1};
  PipeServer s(h);
  s.call(request("read_transport", R"({"n": 1, "timeout_sec": null})"));
  s.call(request("read_transport", R"({"n": 1, "timeout_sec": 0.0})"));
  s.call(request("read_transport", R"({"n": 1, "timeout_sec": 2})"));
  ASSERT_EQ(h.reads.size(), 3u);
  EXPECT_EQ(h.reads[0].second, std::nullopt);
  EXPECT_EQ(h.reads[1].second, 0.0);
  EXPECT_EQ(h.reads[2].second, 2.0);
}

TEST(ServerConformance, Wire_LineEndingsAndSplitWrites) {
  RecordingHandler h;
  PipeServer s(h);
  const std::string r = request("close_transport", "{}");
  s.send_raw(r + "\r\n");
  EXPECT_EQ(s.reply(), kNull);
  s.send_raw(r + "\r");
  EXPECT_EQ(s.reply(), kNull);
  s.send_raw("\n" + r.substr(0, 10));  // the "\n" completes the previous "\r\n"
  std::this_thread::sleep_for(10ms);
  s.send_raw(r.substr(10));
  s.send_raw("\n");
  EXPECT_EQ(s.reply(), kNull);
  EXPECT_EQ(h.calls.size(), 3u);
}

TEST(ServerConformance, Wire_ProtocolVersionIsLastAndResultsAreNull) {
  RecordingHandler h;
  PipeServer s(h);
  const std::string info = s.call(request("server_info_query", R"({"tvm_version": "x"})"));
  EXPECT_NE(info.find(", \"protocol_version\": 1}}"), std::string::npos) << info;
  EXPECT_EQ(
      s.call(request(
          "generate_project",
          R"({"model_library_format_path": "/m.tar", "standalone_crt_dir": "/crt", "project_dir": "/p", "options": {"board": "b"}})")),
      kNull);
  EXPECT_EQ(h.paths, (std::vector<std::string>{"/m.tar", "/crt", "/p"}));
  EXPECT_EQ(h.options, (nlohmann::json{{"board", "b"}}));
}

TEST(ServerConformance, Wire_BigTransportPayloadRoundTrip) {
  RecordingHandler h;
  PipeServer s(h);
  Bytes data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<std::uint8_t>(i * 131);
  std::string line =
      "{\"jsonrpc\": \"2.0\", \"method\": \"write_transport\", \"params\": "
      "{\"data\": \"" +
      b85encode(data) + "\", \"timeout_sec\": null}, \"id\": 1}";
  EXPECT_EQ(s.call(line), kNull);
  const Json reply =
      Json::parse(s.call(request("read_transport", R"({"n": 2000000, "timeout_sec": null})", "2")));
  EXPECT_EQ(b85decode(reply["result"]["data"].get<std::string>()), data);
}

// handle_request_line() is the same code path without pipes.
TEST(ServerConformance, Wire_HandleRequestLineDirectly) {
  RecordingHandler h;
  auto out = handle_request_line(h, request("close_transport", "{}"));
  EXPECT_EQ(out.reply, kNull);
  EXPECT_TRUE(out.keep_serving);
  out = handle_request_line(h, "nope");
  EXPECT_FALSE(out.reply);
  EXPECT_FALSE(out.keep_serving);
  std::string deep(5000, '[');
  out = handle_request_line(h, deep + std::string(5000, ']'));
  EXPECT_FALSE(out.reply);  // Python's json.loads gives up on such nesting (RecursionError)
  EXPECT_FALSE(out.keep_serving);
}

// ---- TVM's recorded transcript (byte-for-byte, tracebacks aside) ------------------------------
TEST(ServerConformance, TvmTranscript) {
  const std::filesystem::path path =
      std::filesystem::path(UTVM_SHARED_DIR) / "spec" / "tvm-server-transcript.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared transcript at " << path;
  std::ifstream in(path);
  const Json transcript = Json::parse(in);
  ASSERT_GE(transcript["cases"].size(), 10u);
  for (const Json& c : transcript["cases"]) {
    SCOPED_TRACE(c["case"].get<std::string>());
    RecordingHandler h;  // its transport loops written bytes back, like TVM's recording handler
    PipeServer s(h);
    const Json& sent = c["sent"];
    const Json& replies = c["replies"];
    ASSERT_EQ(sent.size(), replies.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
      s.send(sent[i].get<std::string>());
      const auto reply = s.reply();
      if (replies[i].is_string()) {  // "EOF: server closed its pipe without replying"
        EXPECT_FALSE(reply) << *reply;
        continue;
      }
      ASSERT_TRUE(reply);
      EXPECT_EQ(normalized(*reply), dump_ascii_json(replies[i]));
    }
    if (c["server_then"] == "exited") {
      EXPECT_TRUE(s.stopped());
    } else {
      EXPECT_EQ(s.call(request("close_transport", "{}")), kNull);
    }
    EXPECT_EQ(s.finish(), 0);
  }
}

}  // namespace
}  // namespace utvm::project_api
