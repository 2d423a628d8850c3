// Project API client: server launch, lockstep JSON-RPC calls with deadlines. Every message is a
// messages.h struct; read_transport/write_transport use its text fast paths (requests appended
// as text, replies of the usual shape decoded without a JSON parse).
#include "utvm/project_api/client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "utvm/common/subprocess.h"
#include "utvm/common/version.h"
#include "utvm/project_api/jsonrpc.h"
#include "utvm/project_api/line_io.h"
#include "utvm/project_api/python_json.h"

namespace utvm::project_api {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kLaunchScript = "launch_microtvm_api_server.sh";
constexpr const char* kServerPy = "microtvm_api_server.py";
constexpr int kChildReadFd = 3;   // the server reads requests here
constexpr int kChildWriteFd = 4;  // the server writes replies here
// How often a waiting call checks whether the server process is still alive.
constexpr auto kLivenessSlice = std::chrono::milliseconds(250);

// A JsonRpcError whose what() also carries the client context (errors.h's has none).
class ContextJsonRpcError : public JsonRpcError {
 public:
  ContextJsonRpcError(int code, const std::string& message, const Json& data,
                      const std::string& context)
      : JsonRpcError(code, message, data),
        text_(format_jsonrpc_error(code, message, data, context)) {}
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// A printable excerpt of a reply line for error messages.
std::string excerpt(const std::string& line) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (std::size_t i = 0; i < line.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (line.size() > kMax) out += "... (" + std::to_string(line.size()) + " bytes)";
  return out;
}

Json options_to_wire(const nlohmann::json& options) {
  if (options.is_null()) return Json::object();
  if (!options.is_object())
    throw Error(ExitCode::kOption, "project options must be a JSON object, got " + options.dump());
  return Json(options);
}

}  // namespace

struct Client::Impl {
  fs::path dir;
  ClientConfig config;
  Process proc;
  int to_server = -1;    // we write requests here
  int from_server = -1;  // we read replies here
  std::optional<LineReader> reader;
  std::int64_t next_id = 1;
  bool closed = false;
  bool stopped = false;  // the server was reaped (and its group killed)
  std::string request;   // reused request buffer
  std::string line;      // reused reply buffer

  ~Impl() { shutdown(); }

  std::string context(std::string_view method) const {
    return "calling method " + std::string(method) + " on the Project API server in " +
           dir.string();
  }

  void close_pipes() noexcept {
    if (to_server >= 0) ::close(to_server);
    if (from_server >= 0) ::close(from_server);
    to_server = from_server = -1;
    closed = true;
  }

  // Closes the connection, gives the server `grace` to exit, then kills its group and reaps.
  void stop_server(std::chrono::milliseconds grace) noexcept {
    close_pipes();
    if (!proc.valid() || stopped) return;
    stopped = true;
    try {
      proc.wait_for(grace);
      proc.terminate(std::chrono::milliseconds(200));
    } catch (...) {
    }
  }

  void shutdown() noexcept { stop_server(config.exit_grace); }

  void ensure_open(std::string_view method) {
    if (closed) throw ConnectionShutdownError(context(method) + ": connection already closed");
  }

  // A protocol failure: stop the server, then throw with the method, directory and state.
  template <typename E = ProtocolError>
  [[noreturn]] void fatal(std::string_view method, const std::string& detail,
                          std::chrono::milliseconds grace = std::chrono::milliseconds(500)) {
    stop_server(grace);
    std::string state = "the server is not running";
    if (proc.valid()) {
      if (auto s = proc.try_wait()) state = "the server " + describe_exit_status(*s);
    }
    throw E(context(method) + ": " + detail + " (" + state + ")");
  }

  void log(const char* dir_arrow, const std::string& text) {
    if (!config.debug) return;
    std::fprintf(stderr, "utvm project-api client %s %s\n", dir_arrow, excerpt(text).c_str());
  }

  void send(std::string_view method, const std::string& line_text) {
    log("->", line_text);
    try {
      write_line(to_server, line_text, "the request pipe of the Project API server");
    } catch (const utvm::Error& e) {
      fatal<ConnectionShutdownError>(method,
                                     std::string("could not send the request: ") + e.what());
    }
  }

  // Reads one reply line into `line` before `deadline` (none: wait as long as the server lives).
  void receive(std::string_view method, std::optional<Clock::time_point> deadline,
               std::optional<std::chrono::milliseconds> timeout, const char* timeout_name) {
    bool saw_exit = false;
    while (true) {
      auto slice = Clock::now() + kLivenessSlice;
      if (deadline && *deadline < slice) slice = *deadline;
      try {
        if (!reader->read_line(line, slice)) {
          fatal<ConnectionShutdownError>(method, "got EOF reading reply from API server",
                                         std::chrono::milliseconds(500));
        }
        log("<-", line);
        return;
      } catch (const LineTimeoutError&) {
        if (deadline && Clock::now() >= *deadline) {
          fatal(method,
                "no reply within " + seconds_text(*timeout) + " (ClientConfig::" + timeout_name +
                    "); stopped the server",
                std::chrono::milliseconds(0));
        }
        // The server is gone but something (a child of it) holds the reply pipe open: allow
        // one more slice for a last reply, then give up instead of waiting forever.
        if (proc.try_wait()) {
          if (saw_exit) fatal(method, "the server exited without replying");
          saw_exit = true;
        }
      } catch (const ProtocolError&) {
        throw;
      } catch (const utvm::Error& e) {
        fatal(method, std::string("reading the reply: ") + e.what());
      }
    }
  }

  [[noreturn]] void raise_error_reply(std::string_view method, const jsonrpc::Reply& r) {
    const std::string ctx = context(method);
    if (r.error_code == static_cast<int>(jsonrpc::ErrorCode::kServerError) &&
        r.error_message != IoTimeoutError::kName &&
        r.error_message != TransportClosedError::kName &&
        r.error_message != UnsupportedTVMVersionError::kName) {
      if (method == method::kBuild)
        throw ServerError(r.error_message, r.error_data, ctx, ExitCode::kBuildFailed);
      if (method == method::kFlash)
        throw ServerError(r.error_message, r.error_data, ctx, ExitCode::kFlashFailed);
    }
    if (r.error_code != static_cast<int>(jsonrpc::ErrorCode::kServerError) &&
        jsonrpc::is_known_error_code(r.error_code))
      throw ContextJsonRpcError(r.error_code, r.error_message, r.error_data, ctx);
    throw_error_reply(r.error_code, r.error_message, r.error_data, ctx);
  }

  // Parses and checks the reply in `line`; returns its result or throws the error it carries.
  Json decode(std::string_view method, std::int64_t id) {
    // json.loads semantics, like TVM's client (NaN/Infinity accepted, strict UTF-8).
    std::string parse_error;
    std::optional<Json> parsed = parse_json(line, &parse_error);
    if (!parsed) fatal(method, "reply is not valid JSON (" + parse_error + "): " + excerpt(line));
    Json reply = std::move(*parsed);
    jsonrpc::Reply r;
    try {
      r = jsonrpc::decode_reply(reply, Json(id));
    } catch (const utvm::Error& e) {
      fatal(method, e.what());
    }
    if (r.is_error) raise_error_reply(method, r);
    return std::move(r.result);
  }

  // Callers size their buffers by n: more than n bytes back is a server bug, never passed on.
  std::size_t check_read_size(std::string_view method, std::size_t n,
                              std::vector<std::uint8_t>& out, std::size_t before) {
    const std::size_t got = out.size() - before;
    if (got <= n) return got;
    out.resize(before);
    throw ProtocolError(context(method) + ": the server returned " + std::to_string(got) +
                        " bytes for n=" + std::to_string(n));
  }

  std::optional<Clock::time_point> deadline_after(std::optional<std::chrono::milliseconds> t) {
    if (!t) return std::nullopt;
    return Clock::now() + *t;
  }

  Json call(std::string_view method, Json params, std::optional<std::chrono::milliseconds> timeout,
            const char* timeout_name) {
    ensure_open(method);
    const std::int64_t id = next_id++;
    auto deadline = deadline_after(timeout);
    send(method, dump_ascii_json(jsonrpc::make_request(method, std::move(params), Json(id))));
    receive(method, deadline, timeout, timeout_name);
    return decode(method, id);
  }

  std::optional<Clock::time_point> transport_deadline(std::optional<double> timeout_sec,
                                                      std::optional<std::chrono::milliseconds>& t) {
    if (!timeout_sec || !config.transport_timeout_slack) return std::nullopt;
    double sec = *timeout_sec < 0 ? 0.0 : *timeout_sec;
    t = std::chrono::milliseconds(static_cast<std::int64_t>(sec * 1000.0)) +
        *config.transport_timeout_slack;
    return Clock::now() + *t;
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::Impl& Client::impl() const {
  if (!impl_) throw ConnectionShutdownError("Project API client: use of a moved-from Client");
  return *impl_;
}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Client Client::launch(const fs::path& dir_in, ClientConfig config) {
  fs::path dir = fs::absolute(dir_in).lexically_normal();
  if (dir.has_filename() == false && dir.has_parent_path()) dir = dir.parent_path();
  std::error_code ec;
  const fs::path script = dir / kLaunchScript;
  const fs::path py = dir / kServerPy;
  std::vector<std::string> argv;
  if (fs::is_regular_file(script, ec)) {
    argv = {script.string(), py.string()};
  } else if (fs::is_regular_file(py, ec)) {
    argv = {config.python, py.string()};
  } else {
    throw Error(ExitCode::kServerNotFound,
                "No Project API server found in project directory: " + dir.string() +
                    "\nTried: launch_microtvm_api_server.sh, microtvm_api_server.py");
  }
  argv.insert(argv.end(), {"--read-fd", std::to_string(kChildReadFd), "--write-fd",
                           std::to_string(kChildWriteFd)});
  if (config.debug) argv.push_back("--debug");

  int req[2], rep[2];
  if (::pipe2(req, O_CLOEXEC) != 0)
    throw Error(ExitCode::kServerError, "starting the Project API server in " + dir.string() +
                                            ": pipe: " + std::strerror(errno));
  if (::pipe2(rep, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(req[0]);
    ::close(req[1]);
    throw Error(ExitCode::kServerError, "starting the Project API server in " + dir.string() +
                                            ": pipe: " + std::strerror(e));
  }
  // Bigger pipes mean fewer wake-ups per transport message (best effort).
  ::fcntl(req[1], F_SETPIPE_SZ, 1 << 20);
  ::fcntl(rep[1], F_SETPIPE_SZ, 1 << 20);

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->config = std::move(config);
  SpawnOptions opts;
  opts.argv = std::move(argv);
  opts.cwd = dir;
  opts.keep_fds = {{kChildReadFd, req[0]}, {kChildWriteFd, rep[1]}};
  try {
    impl->proc = Process::spawn(opts);
  } catch (const Error& e) {
    for (int fd : {req[0], req[1], rep[0], rep[1]})
      ::close(fd);
    throw Error(ExitCode::kServerError,
                "starting the Project API server in " + dir.string() + ": " + e.what());
  }
  ::close(req[0]);
  ::close(rep[1]);
  impl->to_server = req[1];
  impl->from_server = rep[0];
  impl->reader.emplace(rep[0], impl->config.max_line, "the reply pipe of the Project API server");
  return Client(std::move(impl));
}

ServerInfo Client::server_info_query() {
  return server_info_query(utvm::version());
}

ServerInfo Client::server_info_query(const std::string& tvm_version) {
  const auto m = method::kServerInfoQuery;
  Json result = impl().call(m, Json(ServerInfoQueryParams{tvm_version}),
                            impl().config.query_timeout, "query_timeout");
  try {
    check_protocol_version(result);
    return result.get<ServerInfo>();
  } catch (const utvm::Error& e) {
    throw ProtocolError(impl().context(m) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(impl().context(m) + ": " + e.what());
  }
}

void Client::generate_project(const fs::path& mlf, const fs::path& standalone_crt_dir,
                              const fs::path& project_dir, const nlohmann::json& options) {
  const GenerateProjectParams params{fs::absolute(mlf).lexically_normal().string(),
                                     fs::absolute(standalone_crt_dir).lexically_normal().string(),
                                     fs::absolute(project_dir).lexically_normal().string(),
                                     options_to_wire(options)};
  impl().call(method::kGenerateProject, Json(params), impl().config.build_timeout, "build_timeout");
}

void Client::build(const nlohmann::json& options) {
  impl().call(method::kBuild, Json(BuildParams{options_to_wire(options)}),
              impl().config.build_timeout, "build_timeout");
}

void Client::flash(const nlohmann::json& options) {
  impl().call(method::kFlash, Json(FlashParams{options_to_wire(options)}),
              impl().config.flash_timeout, "flash_timeout");
}

TransportTimeouts Client::open_transport(const nlohmann::json& options) {
  const auto m = method::kOpenTransport;
  Json result = impl().call(m, Json(OpenTransportParams{options_to_wire(options)}),
                            impl().config.query_timeout, "query_timeout");
  try {
    return result.get<OpenTransportResult>().timeouts;
  } catch (const std::exception& e) {
    throw ProtocolError(impl().context(m) + ": " + e.what() +
                        " (want {\"timeouts\": {...three numbers...}}, got " + python_repr(result) +
                        ")");
  }
}

void Client::close_transport() {
  impl().call(method::kCloseTransport, Json(CloseTransportParams{}), impl().config.query_timeout,
              "query_timeout");
}

std::vector<std::uint8_t> Client::read_transport(std::size_t n, std::optional<double> timeout_sec) {
  std::vector<std::uint8_t> out;
  read_transport_into(n, timeout_sec, out);
  return out;
}

std::size_t Client::read_transport_into(std::size_t n, std::optional<double> timeout_sec,
                                        std::vector<std::uint8_t>& out) {
  Impl& c = impl();
  const auto m = method::kReadTransport;
  c.ensure_open(m);
  const std::int64_t id = c.next_id++;
  c.request.clear();
  jsonrpc::append_request_head(c.request, m);
  append_json_text(ReadTransportParams{n, timeout_sec}, c.request);
  jsonrpc::append_request_tail(c.request, id);
  std::optional<std::chrono::milliseconds> t;
  auto deadline = c.transport_deadline(timeout_sec, t);
  c.send(m, c.request);
  c.receive(m, deadline, t, "transport_timeout_slack");

  const std::size_t before = out.size();
  if (const auto text = jsonrpc::plain_result_text(c.line, id);
      text && read_transport_result_from_text(*text, out))
    return c.check_read_size(m, n, out, before);
  Json result = c.decode(m, id);
  ReadTransportResult r;
  try {
    r = result.get<ReadTransportResult>();
  } catch (const utvm::Error& e) {
    throw ProtocolError(c.context(m) + ": " + e.what() + " (want {\"data\": \"<base85>\"}, got " +
                        python_repr(result) + ")");
  }
  out.insert(out.end(), r.data.begin(), r.data.end());
  return c.check_read_size(m, n, out, before);
}

void Client::write_transport(std::span<const std::uint8_t> data,
                             std::optional<double> timeout_sec) {
  Impl& c = impl();
  const auto m = method::kWriteTransport;
  c.ensure_open(m);
  const std::int64_t id = c.next_id++;
  c.request.clear();
  jsonrpc::append_request_head(c.request, m);
  append_write_transport_params(data, timeout_sec, c.request);
  jsonrpc::append_request_tail(c.request, id);
  std::optional<std::chrono::milliseconds> t;
  auto deadline = c.transport_deadline(timeout_sec, t);
  c.send(m, c.request);
  c.receive(m, deadline, t, "transport_timeout_slack");
  if (jsonrpc::plain_result_text(c.line, id) == "null") return;
  c.decode(m, id);  // any result is accepted (TVM discards it); errors are thrown
}

void Client::shutdown() noexcept {
  if (impl_) impl_->shutdown();
}

const fs::path& Client::server_dir() const {
  return impl().dir;
}

int Client::server_pid() const {
  return impl_ && !impl_->closed && impl_->proc.valid() ? impl_->proc.pid() : -1;
}

std::optional<int> Client::server_exit_status() const {
  if (!impl_ || !impl_->proc.valid()) return std::nullopt;
  return impl_->proc.try_wait();
}

}  // namespace utvm::project_api
