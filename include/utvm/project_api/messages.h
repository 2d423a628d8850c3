// The Project API's messages as typed structs: the ONE place that knows the wire field names and
// each method's parameters (the client and the server SDK speak only these structs).
// Each struct has nlohmann-style to_json/from_json for the wire Json type (ordered keys, so
// to_json emits TVM's key order). from_json is strict: a missing key or a wrong type throws
// utvm::Error(kServerError) naming the message and the field, e.g.
// "server_info_query result: project_options[1].help: want string, got null"; the exceptions are
// what TVM's server passes through unchecked (`tvm_version` of any type, `options` of any type:
// the dispatcher checks the dict for build and flash). Unknown extra keys are ignored when reading.
//
// The transport messages also have text fast paths (append_* / *_from_text below): they write or
// read the same bytes as to_json/from_json without a JSON tree, with base85 encoded and decoded
// in place, because they carry the device's data on every call.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/project_api/python_json.h"

namespace utvm::project_api {

// Method names (server.py's ProjectAPIHandler interface, in declaration order).
namespace method {
inline constexpr std::string_view kServerInfoQuery = "server_info_query";
inline constexpr std::string_view kGenerateProject = "generate_project";
inline constexpr std::string_view kBuild = "build";
inline constexpr std::string_view kFlash = "flash";
inline constexpr std::string_view kOpenTransport = "open_transport";
inline constexpr std::string_view kCloseTransport = "close_transport";
inline constexpr std::string_view kReadTransport = "read_transport";
inline constexpr std::string_view kWriteTransport = "write_transport";
}  // namespace method

// The methods that take `options` and may appear in ProjectOption required/optional lists.
inline constexpr std::string_view kOptionMethods[] = {method::kGenerateProject, method::kBuild,
                                                      method::kFlash, method::kOpenTransport};

inline constexpr int kProtocolVersion = 1;

// A method's parameters as the server's dispatcher checks them (server.py's _dispatch).
struct MethodSignature {
  std::string_view name;
  std::vector<std::string_view> params;  // in TVM's signature order; all required, no others
  bool options_must_be_dict;             // build/flash: a non-dict `options` is -32602
};
// The signature of `method`; nullptr for a method the Project API does not have.
const MethodSignature* find_method(std::string_view method);

// One entry of server_info_query's project_options. On the wire all seven keys are always
// present, in the order name, choices, default, type, required, optional, help, with explicit
// nulls for unset choices/default/required/optional.
struct ProjectOption {
  std::string name;
  std::optional<std::vector<std::string>> choices;
  nlohmann::json default_value;  // null when none; any JSON scalar otherwise
  std::string type;              // "bool", "str", "int" or "float"
  std::optional<std::vector<std::string>> required;
  std::optional<std::vector<std::string>> optional;
  std::string help;

  bool is_required_for(std::string_view method) const;
  bool is_optional_for(std::string_view method) const;
};

struct ServerInfo {
  std::string platform_name;
  bool is_template = false;
  // "" for templates, an absolute path to the project's model.tar otherwise.
  std::string model_library_format_path;
  std::vector<ProjectOption> project_options;
  int protocol_version = kProtocolVersion;  // emitted last
};

// open_transport's result is {"timeouts": <TransportTimeouts>}; seconds, 0 disables a timeout.
struct TransportTimeouts {
  double session_start_retry_timeout_sec = 0.0;
  double session_start_timeout_sec = 0.0;
  double session_established_timeout_sec = 0.0;
};

// ---- params / results per method -------------------------------------------------------------
struct ServerInfoQueryParams {
  std::string tvm_version;  // read from any JSON value: a non-string arrives as its JSON text
};
struct GenerateProjectParams {
  std::string model_library_format_path;
  std::string standalone_crt_dir;
  std::string project_dir;
  nlohmann::json options = nlohmann::json::object();  // any JSON value is read as sent
};
struct OptionsParams {                                // build, flash, open_transport
  nlohmann::json options = nlohmann::json::object();  // any JSON value is read as sent
};
using BuildParams = OptionsParams;
using FlashParams = OptionsParams;
using OpenTransportParams = OptionsParams;
struct CloseTransportParams {};
struct OpenTransportResult {
  TransportTimeouts timeouts;
};
struct ReadTransportParams {
  std::uint64_t n = 0;
  std::optional<double> timeout_sec;  // nullopt = block (null on the wire)
};
struct ReadTransportResult {
  std::vector<std::uint8_t> data;  // base85 text on the wire
};
struct WriteTransportParams {
  std::vector<std::uint8_t> data;  // base85 text on the wire
  std::optional<double> timeout_sec;
};

void to_json(Json& j, const ProjectOption& v);
void from_json(const Json& j, ProjectOption& v);
void to_json(Json& j, const ServerInfo& v);
void from_json(const Json& j, ServerInfo& v);
void to_json(Json& j, const TransportTimeouts& v);
void from_json(const Json& j, TransportTimeouts& v);
void to_json(Json& j, const ServerInfoQueryParams& v);
void from_json(const Json& j, ServerInfoQueryParams& v);
void to_json(Json& j, const GenerateProjectParams& v);
void from_json(const Json& j, GenerateProjectParams& v);
void to_json(Json& j, const OptionsParams& v);
void from_json(const Json& j, OptionsParams& v);
void to_json(Json& j, const CloseTransportParams& v);
void from_json(const Json& j, CloseTransportParams& v);
void to_json(Json& j, const OpenTransportResult& v);
void from_json(const Json& j, OpenTransportResult& v);
void to_json(Json& j, const ReadTransportParams& v);
void from_json(const Json& j, ReadTransportParams& v);
void to_json(Json& j, const ReadTransportResult& v);
void from_json(const Json& j, ReadTransportResult& v);
void to_json(Json& j, const WriteTransportParams& v);
void from_json(const Json& j, WriteTransportParams& v);

// Appends exactly dump_ascii_json(Json(v)) without building a JSON tree (the server's
// server_info_query reply is on every client start-up path).
void append_json_text(const ServerInfo& v, std::string& out);
// server_info_query's result must carry protocol_version == kProtocolVersion; checked before the
// rest of the result is read, since an older server's reply has another shape. Throws
// utvm::Error(kServerError) "result is not an object: ...", "the reply has no protocol_version (a
// pre-2021 server?)" or "microTVM API Server supports protocol version <v>; want 1".
void check_protocol_version(const Json& server_info_result);

// ---- transport fast paths: the same text as dump_ascii_json(Json(...)) --------------------------
void append_json_text(const ReadTransportParams& v, std::string& out);
// WriteTransportParams' text for bytes the caller owns (no copy into a WriteTransportParams).
void append_write_transport_params(std::span<const std::uint8_t> data,
                                   std::optional<double> timeout_sec, std::string& out);
// ReadTransportResult's text for bytes the caller owns.
void append_read_transport_result(std::span<const std::uint8_t> data, std::string& out);
// Decodes `text` when it is exactly {"data": "<base85>"} and appends the bytes to `out`; returns
// false (and leaves `out` as it was) for any other text, which the caller then parses as JSON.
bool read_transport_result_from_text(std::string_view text, std::vector<std::uint8_t>& out);

// server.py's default_project_options(): the seven standard options, all for generate_project
// (verbose, project_type, board, cmsis_path, warning_as_error, compile_definitions,
// extra_files_tar). Platforms copy the list and override attributes per option.
std::vector<ProjectOption> default_project_options();
// The option called `name` in `options`; throws utvm::Error(kFailure)
// "Option <name> was not found in default ProjectOptions." when absent.
ProjectOption& find_project_option(std::vector<ProjectOption>& options, std::string_view name);

}  // namespace utvm::project_api
