// Project API error types and TVM's string forms for them.
#include "utvm/project_api/errors.h"

#include "utvm/project_api/jsonrpc.h"

namespace utvm::project_api {

std::string format_jsonrpc_error(int code, std::string_view message, const Json& data,
                                 std::string_view client_context) {
  std::string out;
  if (!client_context.empty()) {
    out.append(client_context);
    out += ": ";
  }
  out += "JSON-RPC error # ";
  out += std::to_string(code);
  out += ": ";
  out.append(message);
  // Python: `if self.data:` (None, {} , [] and "" are falsy), then the traceback if it is truthy.
  const bool data_truthy = !data.is_null() && !(data.is_structured() && data.empty()) &&
                           !(data.is_string() && data.get_ref<const std::string&>().empty()) &&
                           !(data.is_boolean() && !data.get<bool>()) &&
                           !(data.is_number() && data.get<double>() == 0.0);
  if (data_truthy) {
    if (data.is_object() && data.contains("traceback") && data["traceback"].is_string() &&
        !data["traceback"].get_ref<const std::string&>().empty()) {
      out += '\n';
      out += data["traceback"].get_ref<const std::string&>();
    } else {
      out += '\n';
      out += python_repr(data);
    }
  }
  return out;
}

ServerError::ServerError(std::string message, Json data, std::string client_context,
                         ExitCode exit_code)
    : Error(exit_code, format_jsonrpc_error(-32000, message, data, client_context)),
      message_(std::move(message)),
      data_(std::move(data)),
      client_context_(std::move(client_context)) {}

JsonRpcError::JsonRpcError(int code, std::string message, Json data, ExitCode exit_code)
    : Error(exit_code, format_jsonrpc_error(code, message, data)),
      code_(code),
      message_(std::move(message)),
      data_(std::move(data)) {}

void throw_error_reply(int code, const std::string& message, const Json& data,
                       const std::string& client_context) {
  if (code == static_cast<int>(jsonrpc::ErrorCode::kServerError)) {
    if (message == IoTimeoutError::kName) throw IoTimeoutError(data, client_context);
    if (message == TransportClosedError::kName) throw TransportClosedError(data, client_context);
    if (message == UnsupportedTVMVersionError::kName) {
      throw UnsupportedTVMVersionError(data, client_context);
    }
    ExitCode exit_code = ExitCode::kServerError;
    if (data.is_object() && data.contains(kExitCodeKey) && data[kExitCodeKey].is_number_integer()) {
      const auto carried = data[kExitCodeKey].get<int>();
      if (carried == static_cast<int>(ExitCode::kOption) ||
          carried == static_cast<int>(ExitCode::kBadInput))
        exit_code = static_cast<ExitCode>(carried);
    }
    throw ServerError(message, data, client_context, exit_code);
  }
  if (jsonrpc::is_known_error_code(code)) throw JsonRpcError(code, message, data);
  std::string text;
  if (!client_context.empty()) text.append(client_context).append(": ");
  text.append("server sent unknown JSON-RPC error code ").append(std::to_string(code));
  text.append(": ").append(message);
  throw utvm::Error(ExitCode::kServerError, text);
}

}  // namespace utvm::project_api
