// JSON-RPC 2.0 objects with TVM's key order, and TVM-client-style reply checks.
#include "utvm/project_api/jsonrpc.h"

#include "utvm/common/error.h"

namespace utvm::project_api::jsonrpc {

bool is_known_error_code(int code) {
  switch (code) {
    case -32000:
    case -32700:
    case -32600:
    case -32601:
    case -32602:
    case -32603:
      return true;
    default:
      return false;
  }
}

const char* error_code_name(int code) {
  switch (code) {
    case -32000:
      return "SERVER_ERROR";
    case -32700:
      return "PARSE_ERROR";
    case -32600:
      return "INVALID_REQUEST";
    case -32601:
      return "METHOD_NOT_FOUND";
    case -32602:
      return "INVALID_PARAMS";
    case -32603:
      return "INTERNAL_ERROR";
    default:
      return "UNKNOWN";
  }
}

Json make_request(std::string_view method, Json params, Json id) {
  Json r = Json::object();
  r["jsonrpc"] = "2.0";
  r["method"] = std::string(method);
  r["params"] = std::move(params);
  r["id"] = std::move(id);
  return r;
}

Json make_result_reply(Json id, Json result) {
  Json r = Json::object();
  r["jsonrpc"] = "2.0";
  r["id"] = std::move(id);
  r["result"] = std::move(result);
  return r;
}

Json make_error_object(int code, std::string_view message, Json data) {
  Json e = Json::object();
  e["code"] = code;
  e["message"] = std::string(message);
  e["data"] = std::move(data);
  return e;
}

Json make_error_reply(Json id, int code, std::string_view message, Json data) {
  Json r = Json::object();
  r["jsonrpc"] = "2.0";
  r["id"] = std::move(id);
  r["error"] = make_error_object(code, message, std::move(data));
  return r;
}

void append_request_head(std::string& out, std::string_view method) {
  out += R"({"jsonrpc": "2.0", "method": ")";
  out += method;
  out += R"(", "params": )";
}

void append_request_tail(std::string& out, std::int64_t id) {
  out += R"(, "id": )";
  out += std::to_string(id);
  out += '}';
}

void append_result_reply_head(std::string& out, const Json& id) {
  out += R"({"jsonrpc": "2.0", "id": )";
  dump_ascii_json_append(id, out);
  out += R"(, "result": )";
}

std::optional<std::string_view> plain_result_text(std::string_view line, std::int64_t id) {
  constexpr std::string_view kHead = R"({"jsonrpc": "2.0", "id": )";
  constexpr std::string_view kResult = R"(, "result": )";
  if (!line.starts_with(kHead) || !line.ends_with('}')) return std::nullopt;
  line.remove_prefix(kHead.size());
  const std::string id_text = std::to_string(id);
  if (!line.starts_with(id_text)) return std::nullopt;
  line.remove_prefix(id_text.size());
  if (!line.starts_with(kResult)) return std::nullopt;
  line.remove_prefix(kResult.size());
  line.remove_suffix(1);
  return line;
}

std::string result_reply_line(const Json& id, const Json& result) {
  std::string out;
  append_result_reply_head(out, id);
  dump_ascii_json_append(result, out);
  out += '}';
  return out;
}

Reply decode_reply(const Json& reply, const std::optional<Json>& expected_id) {
  auto fail = [](const std::string& text) -> void {
    throw utvm::Error(ExitCode::kServerError, text);
  };
  if (!reply.is_object()) {
    fail("Server reply should include 'jsonrpc': '2.0'; saw reply=" + python_repr(reply));
  }
  const auto jsonrpc_it = reply.find("jsonrpc");
  if (jsonrpc_it == reply.end() || !jsonrpc_it->is_string() || *jsonrpc_it != "2.0") {
    fail("Server reply should include 'jsonrpc': '2.0'; saw jsonrpc=" +
         (jsonrpc_it == reply.end() ? std::string("None") : python_repr(*jsonrpc_it)));
  }
  Reply out;
  const auto id_it = reply.find("id");
  out.id = id_it == reply.end() ? Json(nullptr) : *id_it;
  if (expected_id && out.id != *expected_id) {
    // Python formats both with str(): strings bare, None as None (and no closing parenthesis).
    auto py_str = [](const Json& v) {
      return v.is_string() ? v.get<std::string>() : python_repr(v);
    };
    fail("Reply id (" + py_str(out.id) + ") does not equal request id (" + py_str(*expected_id));
  }
  const auto error_it = reply.find("error");
  if (error_it != reply.end() && !error_it->is_null()) {
    const Json& e = *error_it;
    if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() ||
        !e.contains("message") || !e["message"].is_string()) {
      fail("Server reply has a malformed 'error' object: " + python_repr(e));
    }
    out.is_error = true;
    out.error_code = e["code"].get<int>();
    out.error_message = e["message"].get<std::string>();
    out.error_data = e.contains("data") ? e["data"] : Json(nullptr);
    return out;
  }
  const auto result_it = reply.find("result");
  if (result_it == reply.end()) {
    fail("Expected 'result' key in server reply, got " + python_repr(reply));
  }
  out.result = *result_it;
  return out;
}

}  // namespace utvm::project_api::jsonrpc
