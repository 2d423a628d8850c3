// The JSON-RPC 2.0 layer of the Project API: error codes, request and reply objects with TVM's key
// order (requests: jsonrpc, method, params, id; replies: jsonrpc, id, result|error) and reply
// decoding. It knows nothing of Project API methods (see messages.h for those).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "utvm/project_api/python_json.h"

namespace utvm::project_api::jsonrpc {

// The only codes a Project API peer may send: TVM's Python client asserts on anything else.
enum class ErrorCode : int {
  kServerError = -32000,     // any handler failure; the message carries the error kind
  kParseError = -32700,      // never sent by TVM (bad JSON ends the server silently)
  kInvalidRequest = -32600,  // sent with "id": null, then the server stops
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,  // never sent by TVM
};

bool is_known_error_code(int code);
// "SERVER_ERROR", "INVALID_REQUEST", ... (server.py's ErrorCode names); "UNKNOWN" otherwise.
const char* error_code_name(int code);

// {"jsonrpc": "2.0", "method": m, "params": p, "id": id}
Json make_request(std::string_view method, Json params, Json id);
// {"jsonrpc": "2.0", "id": id, "result": result}
Json make_result_reply(Json id, Json result);
// {"code": c, "message": m, "data": d}
Json make_error_object(int code, std::string_view message, Json data = nullptr);
// {"jsonrpc": "2.0", "id": id, "error": {"code": c, "message": m, "data": d}}
Json make_error_reply(Json id, int code, std::string_view message, Json data = nullptr);

// The ready-to-write line (no trailing newline) of a result reply, built without copying
// `result` into a reply object first.
std::string result_reply_line(const Json& id, const Json& result);

// Envelopes built by appending, around params/result text a caller appends itself (messages.h's
// fast paths), byte for byte what dump_ascii_json of make_request/make_result_reply gives:
//   append_request_head(out, m)  {"jsonrpc": "2.0", "method": "<m>", "params":
//   append_request_tail(out, id) , "id": <id>}
//   append_result_reply_head(out, id)  {"jsonrpc": "2.0", "id": <id>, "result":
//   ... then '}' closes the reply.
// `method` must need no JSON escaping (the Project API's names do not).
void append_request_head(std::string& out, std::string_view method);
void append_request_tail(std::string& out, std::int64_t id);
void append_result_reply_head(std::string& out, const Json& id);
// The result text of `line` when it is exactly {"jsonrpc": "2.0", "id": <id>, "result": ...}
// in that key order (the usual reply); nullopt otherwise (the caller then decodes it in full).
std::optional<std::string_view> plain_result_text(std::string_view line, std::int64_t id);

// A decoded reply: exactly one of result / error is meaningful.
struct Reply {
  Json id;
  bool is_error = false;
  Json result;  // null is a valid result
  int error_code = 0;
  std::string error_message;
  Json error_data;
};

// Checks a reply object like TVM's client (in this order): "jsonrpc" must be "2.0"
// ("Server reply should include 'jsonrpc': '2.0'; saw jsonrpc=<repr>"), "id" must equal
// `expected_id` when given ("Reply id (X) does not equal request id (Y"), then "error" (an object
// with integer code and string message) or "result" ("Expected 'result' key in server reply, got
// <repr>"). Throws utvm::Error(kServerError) with those texts.
Reply decode_reply(const Json& reply, const std::optional<Json>& expected_id = std::nullopt);

}  // namespace utvm::project_api::jsonrpc
