// The Project API server SDK: implement Handler, call serve(handler, argc, argv) from main().
// serve() speaks TVM's protocol byte-for-byte like server.py: newline-delimited JSON-RPC 2.0 on
// the two fds given as --read-fd/--write-fd, request validation with TVM's exact -32600/-32601/
// -32602 messages, handler exceptions turned into -32000 replies (ServerError family → their
// message, anything else → "calling method <m>" with the exception text in data.traceback).
// One request at a time; handler methods run on the serving thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/project_api/errors.h"
#include "utvm/project_api/messages.h"

namespace utvm::project_api {

class Handler {
 public:
  virtual ~Handler() = default;
  virtual ServerInfo server_info_query(const std::string& tvm_version) = 0;
  virtual void generate_project(const std::filesystem::path& model_library_format_path,
                                const std::filesystem::path& standalone_crt_dir,
                                const std::filesystem::path& project_dir,
                                const nlohmann::json& options) = 0;
  virtual void build(const nlohmann::json& options) = 0;
  virtual void flash(const nlohmann::json& options) = 0;
  virtual TransportTimeouts open_transport(const nlohmann::json& options) = 0;
  virtual void close_transport() = 0;
  // Returns 1..n bytes; throws IoTimeoutError when none arrived within timeout_sec (nullopt =
  // block), TransportClosedError when the transport is not open or dead.
  virtual std::vector<std::uint8_t> read_transport(std::size_t n,
                                                   std::optional<double> timeout_sec) = 0;
  // Writes all bytes or throws IoTimeoutError / TransportClosedError.
  virtual void write_transport(std::span<const std::uint8_t> data,
                               std::optional<double> timeout_sec) = 0;
};

struct ServeConfig {
  bool debug = false;  // log every request/reply to stderr
  std::size_t max_line_length = std::size_t{64} << 20;
};

// What one request line produced: the reply line to write (without "\n"; none for unparseable
// input) and whether the server keeps serving afterwards.
struct RequestOutcome {
  std::optional<std::string> reply;
  bool keep_serving = true;
};

// Handles one request line (no terminator): validation, dispatch, reply. Never throws for bad
// input; exceptions from the handler become -32000 replies.
RequestOutcome handle_request_line(Handler& handler, std::string_view line,
                                   const ServeConfig& config = {});

// Whether the client of the serve_fds() call running on this thread has gone away: its request
// pipe hung up (every writer closed it) or its reply pipe has no reader left. A handler method that
// waits on a device without bound asks this now and then and gives up when it is true, so a client
// that dies mid read_transport does not leave the server (and its device) running. Never blocks;
// false outside serve_fds() (a handler driven directly, as in tests).
bool client_gone();

// Serves requests from read_fd, replies on write_fd, until EOF (returns 0), an unparseable or
// blank line or a -32600 request (returns 0, like TVM), or an I/O error (returns 1, logged to
// stderr). Does not close the fds.
int serve_fds(Handler& handler, int read_fd, int write_fd, const ServeConfig& config = {});

// main() helper. Command line (argparse-compatible subset, like server.py):
//   [SCRIPT_PATH] --read-fd N --write-fd M [--debug]   (also --read-fd=N; -h/--help)
// SCRIPT_PATH is the microtvm_api_server.py path launch scripts receive; it is ignored.
// Bad command line → usage on stderr, returns 2. Otherwise returns serve_fds()'s status.
int serve(Handler& handler, int argc, char** argv);

}  // namespace utvm::project_api
