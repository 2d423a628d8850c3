// The Project API's error types, shared by the server SDK (which turns them into JSON-RPC error
// replies) and the client (which re-raises them from replies), mirroring TVM's server.py:
//   ServerError            a -32000 reply; message = free text or the error kind
//   ├ IoTimeoutError       message "IoTimeoutError" (nothing arrived / could be sent in time)
//   ├ TransportClosedError message "TransportClosedError" (the device link is gone or not open)
//   └ UnsupportedTVMVersionError  message "UnsupportedTVMVersionError"
//   JsonRpcError           any other JSON-RPC error (-32600, -32601, -32602, -32603, -32700)
// All are utvm::Error, so the CLI maps them to exit codes like any other failure.
#pragma once

#include <string>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/project_api/python_json.h"

namespace utvm::project_api {

// A utvm server's ServerError whose cause is the user's option (kOption) or input (kBadInput)
// carries that exit code as data["utvm_exit_code"], so `utvm create-project` exits 3 or 10 rather
// than 5; other clients (TVM's) ignore the key.
inline constexpr const char* kExitCodeKey = "utvm_exit_code";

class ServerError : public utvm::Error {
 public:
  // `data` is null or an object (the server adds "traceback" when missing). `client_context`
  // ("calling method build"), when non-empty, prefixes what() as TVM's client does:
  //   "<context>: JSON-RPC error # -32000: <message>" + "\n<data.traceback>" (or "\n<repr(data)>").
  explicit ServerError(std::string message, Json data = nullptr, std::string client_context = {},
                       ExitCode exit_code = ExitCode::kServerError);

  const std::string& message() const { return message_; }
  const Json& data() const { return data_; }
  const std::string& client_context() const { return client_context_; }
  static constexpr int kCode = -32000;  // the JSON-RPC code (code() is the utvm exit code)

 private:
  std::string message_;
  Json data_;
  std::string client_context_;
};

class IoTimeoutError : public ServerError {
 public:
  static constexpr const char* kName = "IoTimeoutError";
  explicit IoTimeoutError(Json data = nullptr, std::string client_context = {})
      : ServerError(kName, std::move(data), std::move(client_context), ExitCode::kTransport) {}
};

class TransportClosedError : public ServerError {
 public:
  static constexpr const char* kName = "TransportClosedError";
  explicit TransportClosedError(Json data = nullptr, std::string client_context = {})
      : ServerError(kName, std::move(data), std::move(client_context), ExitCode::kTransport) {}
};

class UnsupportedTVMVersionError : public ServerError {
 public:
  static constexpr const char* kName = "UnsupportedTVMVersionError";
  explicit UnsupportedTVMVersionError(Json data = nullptr, std::string client_context = {})
      : ServerError(kName, std::move(data), std::move(client_context), ExitCode::kServerError) {}
};

// A non -32000 JSON-RPC error. what() is "JSON-RPC error # <code>: <message>" (+ data as above).
class JsonRpcError : public utvm::Error {
 public:
  JsonRpcError(int code, std::string message, Json data = nullptr,
               ExitCode exit_code = ExitCode::kServerError);

  // The JSON-RPC code (hides utvm::Error::code(); use exit_code() for the utvm exit code).
  int code() const { return code_; }
  ExitCode exit_code() const { return Error::code(); }
  const std::string& message() const { return message_; }
  const Json& data() const { return data_; }

 private:
  int code_;
  std::string message_;
  Json data_;
};

// TVM's string form of a JSON-RPC error: "JSON-RPC error # <code>: <message>" followed by
// "\n" + data["traceback"] when data has a non-empty traceback, else "\n" + repr(data) when data
// is non-empty; prefixed with "<client_context>: " when the context is non-empty.
std::string format_jsonrpc_error(int code, std::string_view message, const Json& data,
                                 std::string_view client_context = {});

// Client side: throws the exception an error reply stands for, like TVM's JSONRPCError.from_json:
// -32000 with message IoTimeoutError/TransportClosedError/UnsupportedTVMVersionError → that type,
// other -32000 → ServerError, known codes → JsonRpcError, an unknown code → utvm::Error
// (kServerError) "server sent unknown JSON-RPC error code N: <message>".
[[noreturn]] void throw_error_reply(int code, const std::string& message, const Json& data,
                                    const std::string& client_context = {});

}  // namespace utvm::project_api
