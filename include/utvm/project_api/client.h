// The Project API client: launches a directory's API server and calls its methods over two pipes,
// speaking TVM's protocol (spec project-api.md §1-§4) with what TVM's Python client lacks:
// per-call deadlines, reaping and killing of the server's process group, and errors that always
// name the method and the server directory.
//
// Errors (all utvm::Error, so the CLI maps them to exit codes):
//   Error(kServerNotFound)      no launch_microtvm_api_server.sh / microtvm_api_server.py in dir
//   ServerError (errors.h)      the server reported a failure (-32000); kBuildFailed from build,
//                               kFlashFailed from flash, kServerError otherwise
//     IoTimeoutError, TransportClosedError  (kTransport), UnsupportedTVMVersionError
//   JsonRpcError (errors.h)     -32600/-32601/-32602/-32603/-32700 from the server
//   ProtocolError (below)       the server broke the protocol, crashed or hung (kServerError);
//     ConnectionShutdownError   EOF from the server, or any call after the connection was closed
//   All what() texts start with "calling method <m> on the Project API server in <dir>: ".
// After a ProtocolError the connection is closed and the server stopped; ServerError/JsonRpcError
// replies leave it usable. Not thread-safe: one caller at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/common/error.h"
#include "utvm/project_api/errors.h"
#include "utvm/project_api/messages.h"

namespace utvm::project_api {

class ProtocolError : public utvm::Error {
 public:
  explicit ProtocolError(const std::string& message) : Error(ExitCode::kServerError, message) {}
};

class ConnectionShutdownError : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};

struct ClientConfig {
  // server_info_query, open_transport, close_transport.
  std::chrono::milliseconds query_timeout{30000};
  // generate_project and build use build_timeout, flash uses flash_timeout; none by default.
  std::optional<std::chrono::milliseconds> build_timeout, flash_timeout;
  // read/write_transport wait timeout_sec + this (none at all when timeout_sec is null or this
  // is nullopt).
  std::optional<std::chrono::milliseconds> transport_timeout_slack{5000};
  bool debug = false;  // pass --debug to the server and log every request/reply to stderr
  std::size_t max_line = std::size_t{64} << 20;  // longest reply line accepted
  std::string python = "python3";  // runs microtvm_api_server.py when there is no launch script
  std::chrono::milliseconds exit_grace{2000};  // shutdown(): time for the server to exit on EOF
};

class Client {
 public:
  // Starts the server of `dir` (made absolute): launch_microtvm_api_server.sh if present
  // (argv: script, dir/microtvm_api_server.py, --read-fd 3, --write-fd 4), else
  // `<config.python> dir/microtvm_api_server.py --read-fd 3 --write-fd 4`; cwd = dir, env and
  // stdio inherited, only the two pipe fds passed. Throws Error(kServerNotFound) with TVM's text
  // when neither file exists, Error(kServerError) when the server cannot be started.
  static Client launch(const std::filesystem::path& dir, ClientConfig config = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();  // shutdown()

  // Sends utvm's version as tvm_version unless given. Checks protocol_version == 1.
  ServerInfo server_info_query();
  ServerInfo server_info_query(const std::string& tvm_version);
  void generate_project(const std::filesystem::path& mlf,
                        const std::filesystem::path& standalone_crt_dir,
                        const std::filesystem::path& project_dir, const nlohmann::json& options);
  void build(const nlohmann::json& options);
  void flash(const nlohmann::json& options);
  TransportTimeouts open_transport(const nlohmann::json& options);
  void close_transport();
  // Returns 0..n bytes (what the server sent; 0, like IoTimeoutError, means nothing arrived in
  // time). More than n bytes from the server is a ProtocolError (nothing is returned or appended).
  std::vector<std::uint8_t> read_transport(std::size_t n, std::optional<double> timeout_sec);
  // Appends to `out` instead (reusing its capacity); returns the number of bytes appended.
  std::size_t read_transport_into(std::size_t n, std::optional<double> timeout_sec,
                                  std::vector<std::uint8_t>& out);
  void write_transport(std::span<const std::uint8_t> data, std::optional<double> timeout_sec);

  // Closes the pipes (the server sees EOF), waits up to exit_grace for it to exit, then kills
  // what is left of its process group and reaps it. Idempotent; later calls fail with
  // ConnectionShutdownError "connection already closed".
  void shutdown() noexcept;

  const std::filesystem::path& server_dir() const;
  // The server's pid (-1 after shutdown) and, once it has exited, its raw wait status.
  int server_pid() const;
  std::optional<int> server_exit_status() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  Impl& impl() const;  // throws ConnectionShutdownError on a moved-from Client
  std::unique_ptr<Impl> impl_;
};

}  // namespace utvm::project_api
