// The Project API server loop, byte-compatible with TVM's server.py (spec §2-§4, §9).
#include "utvm/project_api/server.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>

#include "utvm/project_api/jsonrpc.h"
#include "utvm/project_api/line_io.h"

namespace utvm::project_api {
namespace {

// Python's json.loads gives up (RecursionError) on deeply nested input; so do we, well before a
// recursive dump/repr of the value could exhaust the stack.
constexpr int kMaxNestingDepth = 900;

constexpr int kServerErrorCode = static_cast<int>(jsonrpc::ErrorCode::kServerError);
constexpr int kInvalidRequest = static_cast<int>(jsonrpc::ErrorCode::kInvalidRequest);
constexpr int kMethodNotFound = static_cast<int>(jsonrpc::ErrorCode::kMethodNotFound);
constexpr int kInvalidParams = static_cast<int>(jsonrpc::ErrorCode::kInvalidParams);

// A JSON-RPC error raised while validating or dispatching (not by the handler).
struct RpcFailure {
  int code;
  std::string message;
};

// Python's type(x) spelling for decoded JSON values.
const char* python_type(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "<class 'NoneType'>";
    case Json::value_t::boolean:
      return "<class 'bool'>";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "<class 'int'>";
    case Json::value_t::number_float:
      return "<class 'float'>";
    case Json::value_t::string:
      return "<class 'str'>";
    case Json::value_t::array:
      return "<class 'list'>";
    case Json::value_t::object:
      return "<class 'dict'>";
    default:
      return "<class 'object'>";
  }
}

// Python's re.match(r"^[a-zA-Z0-9_]+$", m): `$` also matches before one trailing "\n".
bool method_name_ok(std::string_view m) {
  if (!m.empty() && m.back() == '\n') m.remove_suffix(1);
  if (m.empty()) return false;
  for (char c : m) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string demangled_type_name(const std::type_info& ti) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(ti.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(ti.name());
}

std::string traceback_text(std::string_view method, const std::string& type_name,
                           const std::string& what) {
  std::string t = "Traceback (most recent call last):\n";
  t += "  File \"utvm/project_api/server.cc\", in handle_request_line";
  t += "  # <--- Outermost server-side stack frame\n";
  t += "    Handler::";
  t.append(method);
  t += "()\n";
  t += type_name;
  if (!what.empty()) {
    t += ": ";
    t += what;
  }
  return t;
}

std::string error_line(const Json& id, int code, std::string_view message, const Json& data) {
  return dump_ascii_json(jsonrpc::make_error_reply(id, code, message, data));
}

// Validates the request like server.py's _validate_request; returns the -32600 message or "".
std::string validate(const Json& request) {
  if (!request.is_object()) return "request: want dict; got " + python_repr(request);
  const auto jsonrpc_it = request.find("jsonrpc");
  if (jsonrpc_it == request.end() || !jsonrpc_it->is_string() || *jsonrpc_it != "2.0") {
    return "request[\"jsonrpc\"]: want \"2.0\"; got " +
           (jsonrpc_it == request.end() ? std::string("None") : python_repr(*jsonrpc_it));
  }
  const auto method_it = request.find("method");
  if (method_it == request.end() || !method_it->is_string()) {
    return "request[\"method\"]: want str; got " +
           (method_it == request.end() ? std::string("None") : python_repr(*method_it));
  }
  if (!method_name_ok(method_it->get_ref<const std::string&>())) {
    return "request[\"method\"]: should match regex ^[a-zA-Z0-9_]+$; got " +
           python_repr(*method_it);
  }
  const auto params_it = request.find("params");
  if (params_it == request.end() || !params_it->is_object()) {
    return std::string("request[\"params\"]: want dict; got ") +
           (params_it == request.end() ? "<class 'NoneType'>" : python_type(*params_it));
  }
  const auto id_it = request.find("id");
  if (id_it != request.end()) {
    const Json& id = *id_it;
    const bool ok = id.is_null() || id.is_string() || id.is_boolean() || id.is_number_integer();
    if (!ok) return "request[\"id\"]: want str, number, null; got " + python_repr(id);
  }
  return {};
}

// Runs the handler method with its typed params; returns the result reply line for `id`. The
// replies that matter for speed (server_info_query, read_transport) are appended as text.
std::string call_handler(Handler& handler, std::string_view m, const Json& params, const Json& id) {
  std::string out;
  if (m == method::kServerInfoQuery) {
    const ServerInfo info =
        handler.server_info_query(params.get<ServerInfoQueryParams>().tvm_version);
    jsonrpc::append_result_reply_head(out, id);
    append_json_text(info, out);
    out += '}';
    return out;
  }
  if (m == method::kGenerateProject) {
    const auto p = params.get<GenerateProjectParams>();
    handler.generate_project(p.model_library_format_path, p.standalone_crt_dir, p.project_dir,
                             p.options);
    return jsonrpc::result_reply_line(id, nullptr);
  }
  if (m == method::kBuild) {
    handler.build(params.get<BuildParams>().options);
    return jsonrpc::result_reply_line(id, nullptr);
  }
  if (m == method::kFlash) {
    handler.flash(params.get<FlashParams>().options);
    return jsonrpc::result_reply_line(id, nullptr);
  }
  if (m == method::kOpenTransport) {
    const TransportTimeouts t = handler.open_transport(params.get<OpenTransportParams>().options);
    return jsonrpc::result_reply_line(id, Json(OpenTransportResult{t}));
  }
  if (m == method::kCloseTransport) {
    params.get<CloseTransportParams>();
    handler.close_transport();
    return jsonrpc::result_reply_line(id, nullptr);
  }
  if (m == method::kReadTransport) {
    const auto p = params.get<ReadTransportParams>();
    const std::vector<std::uint8_t> data =
        handler.read_transport(static_cast<std::size_t>(p.n), p.timeout_sec);
    jsonrpc::append_result_reply_head(out, id);
    append_read_transport_result(data, out);
    out += '}';
    return out;
  }
  if (m == method::kWriteTransport) {
    const auto p = params.get<WriteTransportParams>();
    handler.write_transport(p.data, p.timeout_sec);
    return jsonrpc::result_reply_line(id, nullptr);
  }
  throw std::logic_error("unreachable: method not dispatched");
}

// The pipes of the serve_fds() call running on this thread (-1 outside one), for client_gone().
struct ServingPipes {
  int read_fd = -1;
  int write_fd = -1;
};
thread_local ServingPipes serving;

// Sets `serving` for one serve_fds() call.
class ServingScope {
 public:
  ServingScope(int read_fd, int write_fd) : saved_(serving) { serving = {read_fd, write_fd}; }
  ~ServingScope() { serving = saved_; }
  ServingScope(const ServingScope&) = delete;
  ServingScope& operator=(const ServingScope&) = delete;

 private:
  ServingPipes saved_;
};

void log_debug(const ServeConfig& config, const char* what, std::string_view text) {
  if (!config.debug) return;
  constexpr std::size_t kMax = 400;
  std::fprintf(stderr, "utvm-server: %s %.*s%s\n", what,
               static_cast<int>(std::min(text.size(), kMax)), text.data(),
               text.size() > kMax ? "..." : "");
}

}  // namespace

RequestOutcome handle_request_line(Handler& handler, std::string_view line,
                                   const ServeConfig& config) {
  std::optional<Json> parsed = parse_json(line, nullptr, kMaxNestingDepth);
  if (!parsed) {
    log_debug(config, "Caught error reading request:", line);
    return {std::nullopt, false};
  }
  const Json& request = *parsed;

  if (std::string invalid = validate(request); !invalid.empty()) {
    return {error_line(nullptr, kInvalidRequest, invalid, nullptr), false};
  }

  const std::string& m = request["method"].get_ref<const std::string&>();
  const auto id_it = request.find("id");
  const bool has_id = id_it != request.end();
  const Json id = has_id ? *id_it : Json(nullptr);
  const Json& params = request["params"];

  // Dispatch checks (-32601/-32602): the request id is echoed and serving continues.
  const MethodSignature* spec = find_method(m);
  std::optional<RpcFailure> failure;
  if (!spec) {
    failure = RpcFailure{kMethodNotFound, m + ": no such method"};
  } else {
    for (const auto& p : spec->params) {
      const auto it = params.find(std::string(p));
      if (it == params.end()) {
        failure = RpcFailure{kInvalidParams,
                             "method " + m + ": parameter " + std::string(p) + " not given"};
        break;
      }
      if (spec->options_must_be_dict && !it->is_object()) {
        failure = RpcFailure{kInvalidParams, "method " + m + ": parameter " + std::string(p) +
                                                 ": want <class 'dict'>, got " + python_type(*it)};
        break;
      }
    }
    if (!failure && params.size() > spec->params.size()) {
      std::string extras;
      for (auto it = params.begin(); it != params.end(); ++it) {
        bool known = false;
        for (const auto& p : spec->params)
          known = known || it.key() == p;
        if (known) continue;
        if (!extras.empty()) extras += ", ";
        extras += it.key();
      }
      failure = RpcFailure{kInvalidParams, m + ": extra parameters: " + extras};
    }
  }
  if (failure) return {error_line(id, failure->code, failure->message, nullptr), true};

  // The handler call. Its exceptions become -32000 (or their own JSON-RPC code).
  std::string reply;
  try {
    reply = call_handler(handler, m, params, id);
  } catch (const ServerError& e) {
    Json data = e.data();
    const std::string tb = traceback_text(m, demangled_type_name(typeid(e)), e.message());
    if (data.is_null()) data = Json::object();
    if (data.is_object() && !data.contains("traceback")) data["traceback"] = tb;
    if (data.is_object() && !data.contains(kExitCodeKey) &&
        (e.code() == ExitCode::kOption || e.code() == ExitCode::kBadInput))
      data[kExitCodeKey] = static_cast<int>(e.code());
    return {error_line(id, kServerErrorCode, e.message(), data), true};
  } catch (const JsonRpcError& e) {
    if (jsonrpc::is_known_error_code(e.code())) {
      return {error_line(id, e.code(), e.message(), e.data()), true};
    }
    Json data = Json::object();
    data["traceback"] = traceback_text(m, demangled_type_name(typeid(e)), e.what());
    return {error_line(id, kServerErrorCode, "calling method " + m, data), true};
  } catch (const std::exception& e) {
    Json data = Json::object();
    data["traceback"] = traceback_text(m, demangled_type_name(typeid(e)), e.what());
    return {error_line(id, kServerErrorCode, "calling method " + m, data), true};
  } catch (...) {
    Json data = Json::object();
    data["traceback"] = traceback_text(m, "unknown C++ exception", "");
    return {error_line(id, kServerErrorCode, "calling method " + m, data), true};
  }
  if (!has_id) {
    // TVM runs the method, then fails to build the reply (KeyError: 'id').
    Json data = Json::object();
    data["traceback"] = traceback_text(m, "KeyError", "'id'");
    return {error_line(nullptr, kServerErrorCode, "calling method " + m, data), true};
  }
  return {std::move(reply), true};
}

bool client_gone() {
  if (serving.read_fd < 0) return false;
  // The read end of a pipe reports POLLHUP once every writer closed it; the write end reports
  // POLLERR once its reader is gone. Data waiting (POLLIN alone) is a client still there.
  pollfd p[2] = {{serving.read_fd, POLLIN, 0}, {serving.write_fd, 0, 0}};
  const nfds_t n = serving.write_fd >= 0 && serving.write_fd != serving.read_fd ? 2 : 1;
  int r;
  do {
    r = ::poll(p, n, 0);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  constexpr short kGone = POLLHUP | POLLERR | POLLNVAL;
  return (p[0].revents & kGone) != 0 || (n == 2 && (p[1].revents & kGone) != 0);
}

int serve_fds(Handler& handler, int read_fd, int write_fd, const ServeConfig& config) {
  const ServingScope scope(read_fd, write_fd);
  LineReader reader(read_fd, config.max_line_length, "the request pipe");
  std::string line;
  for (;;) {
    try {
      if (!reader.read_line(line)) {
        log_debug(config, "EOF on the request pipe;", "exiting");
        return 0;
      }
    } catch (const std::exception& e) {
      log_debug(config, "Caught error reading request:", e.what());
      return 0;
    }
    log_debug(config, "read request <-", line);
    RequestOutcome outcome = handle_request_line(handler, line, config);
    if (outcome.reply) {
      log_debug(config, "write reply ->", *outcome.reply);
      try {
        write_line(write_fd, *outcome.reply, "the reply pipe");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "utvm-server: %s\n", e.what());
        return 1;
      }
    }
    if (!outcome.keep_serving) return 0;
  }
}

int serve(Handler& handler, int argc, char** argv) {
  const char* slash = argc > 0 && argv[0] ? std::strrchr(argv[0], '/') : nullptr;
  const std::string prog = argc > 0 && argv[0] ? (slash ? slash + 1 : argv[0]) : "server";
  const std::string usage =
      "usage: " + prog + " [-h] [SCRIPT] --read-fd READ_FD --write-fd WRITE_FD [--debug]\n";
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "%s%s: error: %s\n", usage.c_str(), prog.c_str(), message.c_str());
    return 2;
  };
  auto parse_fd = [](const std::string& text, int& out) {
    if (text.empty() || text.size() > 9) return false;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
    }
    out = std::atoi(text.c_str());
    return true;
  };

  std::optional<int> read_fd, write_fd;
  ServeConfig config;
  int positionals = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf(
          "%s\nGeneric TVM Project API server entry point\n\noptions:\n"
          "  -h, --help           show this help message and exit\n"
          "  --read-fd READ_FD    Numeric file descriptor where RPC requests should be read.\n"
          "  --write-fd WRITE_FD  Numeric file descriptor where RPC replies should be written.\n"
          "  --debug              When given, configure logging at DEBUG level.\n",
          usage.c_str());
      return 0;
    }
    if (arg == "--debug") {
      config.debug = true;
      continue;
    }
    std::string value;
    std::string name = arg;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (arg == "--read-fd" || arg == "--write-fd") {
      if (i + 1 >= argc) return fail("argument " + arg + ": expected one argument");
      value = argv[++i];
    }
    if (name == "--read-fd" || name == "--write-fd") {
      int fd = -1;
      if (!parse_fd(value, fd)) {
        return fail("argument " + name + ": invalid int value: '" + value + "'");
      }
      (name == "--read-fd" ? read_fd : write_fd) = fd;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') return fail("unrecognized arguments: " + arg);
    if (++positionals > 1) return fail("unrecognized arguments: " + arg);
  }
  if (!read_fd || !write_fd) {
    std::string missing;
    if (!read_fd) missing = "--read-fd";
    if (!write_fd) missing += missing.empty() ? "--write-fd" : ", --write-fd";
    return fail("the following arguments are required: " + missing);
  }
  for (int fd : {*read_fd, *write_fd}) {
    if (::fcntl(fd, F_GETFD) < 0) {
      return fail("file descriptor " + std::to_string(fd) + " is not open");
    }
  }
  return serve_fds(handler, *read_fd, *write_fd, config);
}

}  // namespace utvm::project_api
