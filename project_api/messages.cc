// Typed Project API messages: the only code that knows the wire field names.
#include "utvm/project_api/messages.h"

#include <algorithm>

#include "utvm/common/error.h"
#include "utvm/project_api/base85.h"

namespace utvm::project_api {
namespace {

const char* json_type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "other";
  }
}

// Reads fields of one JSON object, naming `where` (e.g. "server_info_query result") in errors.
class Fields {
 public:
  // `where` must outlive the Fields (a literal, or a string of the caller's).
  Fields(const Json& j, std::string_view where) : j_(j), where_(where) {
    if (!j_.is_object()) fail("", std::string("want object, got ") + json_type_name(j_));
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw utvm::Error(ExitCode::kServerError,
                      std::string(where_) + (key.empty() ? "" : "." + key) + ": " + what);
  }

  const Json& get(const std::string& key) const {
    const auto it = j_.find(key);
    if (it == j_.end()) fail(key, "missing");
    return *it;
  }
  [[noreturn]] void wrong(const std::string& key, const char* want, const Json& v) const {
    fail(key, std::string("want ") + want + ", got " + json_type_name(v));
  }

  std::string str(const std::string& key) const {
    const Json& v = get(key);
    if (!v.is_string()) wrong(key, "string", v);
    return v.get<std::string>();
  }
  bool boolean(const std::string& key) const {
    const Json& v = get(key);
    if (!v.is_boolean()) wrong(key, "bool", v);
    return v.get<bool>();
  }
  double number(const std::string& key) const {
    const Json& v = get(key);
    if (!v.is_number()) wrong(key, "number", v);
    return v.get<double>();
  }
  std::optional<double> optional_number(const std::string& key) const {
    const Json& v = get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) wrong(key, "number or null", v);
    return v.get<double>();
  }
  std::optional<std::vector<std::string>> optional_strings(const std::string& key) const {
    const Json& v = get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_array()) wrong(key, "array of strings or null", v);
    std::vector<std::string> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) wrong(key + "[" + std::to_string(i) + "]", "string", v[i]);
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }
  nlohmann::json object(const std::string& key) const {
    const Json& v = get(key);
    if (!v.is_object()) wrong(key, "object", v);
    return nlohmann::json(v);
  }
  std::string_view where() const { return where_; }

 private:
  const Json& j_;
  std::string_view where_;
};

Json optional_strings_json(const std::optional<std::vector<std::string>>& v) {
  if (!v) return nullptr;
  Json a = Json::array();
  for (const auto& s : *v)
    a.push_back(s);
  return a;
}

Json optional_number_json(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}

void read_project_option(const Json& j, ProjectOption& v, const std::string& where) {
  Fields f(j, where);
  v.name = f.str("name");
  v.choices = f.optional_strings("choices");
  v.default_value = nlohmann::json(f.get("default"));
  v.type = f.str("type");
  v.required = f.optional_strings("required");
  v.optional = f.optional_strings("optional");
  v.help = f.str("help");
}

bool list_has(const std::optional<std::vector<std::string>>& list, std::string_view m) {
  return list && std::find(list->begin(), list->end(), m) != list->end();
}

}  // namespace

const MethodSignature* find_method(std::string_view name) {
  static const MethodSignature kMethods[] = {
      {method::kServerInfoQuery, {"tvm_version"}, false},
      {method::kGenerateProject,
       {"model_library_format_path", "standalone_crt_dir", "project_dir", "options"},
       false},
      {method::kBuild, {"options"}, true},
      {method::kFlash, {"options"}, true},
      {method::kOpenTransport, {"options"}, false},
      {method::kCloseTransport, {}, false},
      {method::kReadTransport, {"n", "timeout_sec"}, false},
      {method::kWriteTransport, {"data", "timeout_sec"}, false},
  };
  for (const MethodSignature& m : kMethods) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

bool ProjectOption::is_required_for(std::string_view m) const {
  return list_has(required, m);
}
bool ProjectOption::is_optional_for(std::string_view m) const {
  return list_has(optional, m);
}

void to_json(Json& j, const ProjectOption& v) {
  j = Json::object();
  j["name"] = v.name;
  j["choices"] = optional_strings_json(v.choices);
  j["default"] = Json(v.default_value);
  j["type"] = v.type;
  j["required"] = optional_strings_json(v.required);
  j["optional"] = optional_strings_json(v.optional);
  j["help"] = v.help;
}

void from_json(const Json& j, ProjectOption& v) {
  read_project_option(j, v, "project option");
}

void to_json(Json& j, const ServerInfo& v) {
  j = Json::object();
  j["platform_name"] = v.platform_name;
  j["is_template"] = v.is_template;
  j["model_library_format_path"] = v.model_library_format_path;
  Json opts = Json::array();
  for (const auto& o : v.project_options)
    opts.push_back(Json(o));
  j["project_options"] = std::move(opts);
  j["protocol_version"] = v.protocol_version;
}

void from_json(const Json& j, ServerInfo& v) {
  Fields f(j, "server_info_query result");
  v.platform_name = f.str("platform_name");
  v.is_template = f.boolean("is_template");
  const Json& path = f.get("model_library_format_path");
  if (path.is_null()) {
    v.model_library_format_path.clear();
  } else if (path.is_string()) {
    v.model_library_format_path = path.get<std::string>();
  } else {
    f.wrong("model_library_format_path", "string or null", path);
  }
  const Json& opts = f.get("project_options");
  if (!opts.is_array()) f.wrong("project_options", "array", opts);
  v.project_options.clear();
  v.project_options.reserve(opts.size());
  for (std::size_t i = 0; i < opts.size(); ++i) {
    ProjectOption o;
    read_project_option(opts[i], o,
                        std::string(f.where()) + ".project_options[" + std::to_string(i) + "]");
    v.project_options.push_back(std::move(o));
  }
  const Json& version = f.get("protocol_version");
  if (!version.is_number_integer()) f.wrong("protocol_version", "integer", version);
  v.protocol_version = version.get<int>();
}

namespace {

void append_optional_strings(const std::optional<std::vector<std::string>>& v, std::string& out) {
  if (!v) {
    out += "null";
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, (*v)[i]);
  }
  out += ']';
}

}  // namespace

void append_json_text(const ServerInfo& v, std::string& out) {
  out += "{\"platform_name\": ";
  append_json_string(out, v.platform_name);
  out += v.is_template ? ", \"is_template\": true" : ", \"is_template\": false";
  out += ", \"model_library_format_path\": ";
  append_json_string(out, v.model_library_format_path);
  out += ", \"project_options\": [";
  for (std::size_t i = 0; i < v.project_options.size(); ++i) {
    const ProjectOption& o = v.project_options[i];
    if (i) out += ", ";
    out += "{\"name\": ";
    append_json_string(out, o.name);
    out += ", \"choices\": ";
    append_optional_strings(o.choices, out);
    out += ", \"default\": ";
    dump_ascii_json_append(o.default_value, out);
    out += ", \"type\": ";
    append_json_string(out, o.type);
    out += ", \"required\": ";
    append_optional_strings(o.required, out);
    out += ", \"optional\": ";
    append_optional_strings(o.optional, out);
    out += ", \"help\": ";
    append_json_string(out, o.help);
    out += '}';
  }
  out += "], \"protocol_version\": ";
  out += std::to_string(v.protocol_version);
  out += '}';
}

void to_json(Json& j, const TransportTimeouts& v) {
  j = Json::object();
  j["session_start_retry_timeout_sec"] = v.session_start_retry_timeout_sec;
  j["session_start_timeout_sec"] = v.session_start_timeout_sec;
  j["session_established_timeout_sec"] = v.session_established_timeout_sec;
}

void from_json(const Json& j, TransportTimeouts& v) {
  Fields f(j, "open_transport result.timeouts");
  v.session_start_retry_timeout_sec = f.number("session_start_retry_timeout_sec");
  v.session_start_timeout_sec = f.number("session_start_timeout_sec");
  v.session_established_timeout_sec = f.number("session_established_timeout_sec");
}

void to_json(Json& j, const ServerInfoQueryParams& v) {
  j = Json::object();
  j["tvm_version"] = v.tvm_version;
}

void from_json(const Json& j, ServerInfoQueryParams& v) {
  Fields f(j, "server_info_query params");
  const Json& version = f.get("tvm_version");
  v.tvm_version =
      version.is_string() ? version.get_ref<const std::string&>() : dump_ascii_json(version);
}

void to_json(Json& j, const GenerateProjectParams& v) {
  j = Json::object();
  j["model_library_format_path"] = v.model_library_format_path;
  j["standalone_crt_dir"] = v.standalone_crt_dir;
  j["project_dir"] = v.project_dir;
  j["options"] = Json(v.options);
}

void from_json(const Json& j, GenerateProjectParams& v) {
  Fields f(j, "generate_project params");
  v.model_library_format_path = f.str("model_library_format_path");
  v.standalone_crt_dir = f.str("standalone_crt_dir");
  v.project_dir = f.str("project_dir");
  v.options = nlohmann::json(f.get("options"));
}

void to_json(Json& j, const OptionsParams& v) {
  j = Json::object();
  j["options"] = Json(v.options);
}

void from_json(const Json& j, OptionsParams& v) {
  Fields f(j, "params");
  v.options = nlohmann::json(f.get("options"));
}

void to_json(Json& j, const CloseTransportParams&) {
  j = Json::object();
}

void from_json(const Json& j, CloseTransportParams&) {
  Fields f(j, "close_transport params");
}

void to_json(Json& j, const OpenTransportResult& v) {
  j = Json::object();
  j["timeouts"] = Json(v.timeouts);
}

void from_json(const Json& j, OpenTransportResult& v) {
  Fields f(j, "open_transport result");
  from_json(f.get("timeouts"), v.timeouts);
}

void to_json(Json& j, const ReadTransportParams& v) {
  j = Json::object();
  j["n"] = v.n;
  j["timeout_sec"] = optional_number_json(v.timeout_sec);
}

void from_json(const Json& j, ReadTransportParams& v) {
  Fields f(j, "read_transport params");
  const Json& n = f.get("n");
  if (!n.is_number_integer() ||
      (n.is_number_integer() && !n.is_number_unsigned() && n.get<std::int64_t>() < 0)) {
    f.wrong("n", "non-negative integer", n);
  }
  v.n = n.get<std::uint64_t>();
  v.timeout_sec = f.optional_number("timeout_sec");
}

void to_json(Json& j, const ReadTransportResult& v) {
  j = Json::object();
  j["data"] = b85encode(v.data);
}

void from_json(const Json& j, ReadTransportResult& v) {
  Fields f(j, "read_transport result");
  const Json& data = f.get("data");
  if (!data.is_string()) f.wrong("data", "string", data);
  v.data.clear();
  try {
    b85decode_append(data.get_ref<const std::string&>(), v.data);
  } catch (const utvm::Error& e) {
    f.fail("data", e.what());
  }
}

void to_json(Json& j, const WriteTransportParams& v) {
  j = Json::object();
  j["data"] = b85encode(v.data);
  j["timeout_sec"] = optional_number_json(v.timeout_sec);
}

void from_json(const Json& j, WriteTransportParams& v) {
  Fields f(j, "write_transport params");
  const Json& data = f.get("data");
  if (!data.is_string()) f.wrong("data", "string", data);
  v.data.clear();
  try {
    b85decode_append(data.get_ref<const std::string&>(), v.data);
  } catch (const utvm::Error& e) {
    f.fail("data", e.what());
  }
  v.timeout_sec = f.optional_number("timeout_sec");
}

void check_protocol_version(const Json& result) {
  if (!result.is_object())
    throw utvm::Error(ExitCode::kServerError, "result is not an object: " + python_repr(result));
  const auto version = result.find("protocol_version");
  if (version == result.end())
    throw utvm::Error(ExitCode::kServerError,
                      "the reply has no protocol_version (a pre-2021 server?)");
  if (*version != Json(kProtocolVersion))
    throw utvm::Error(ExitCode::kServerError, "microTVM API Server supports protocol version " +
                                                  python_repr(*version) + "; want " +
                                                  std::to_string(kProtocolVersion));
}

namespace {

void append_timeout(std::optional<double> timeout_sec, std::string& out) {
  if (timeout_sec) {
    out += python_float_repr(*timeout_sec, true);
  } else {
    out += "null";
  }
}

constexpr std::string_view kDataHead = R"({"data": ")";
constexpr std::string_view kDataTail = R"("})";

}  // namespace

void append_json_text(const ReadTransportParams& v, std::string& out) {
  out += R"({"n": )";
  out += std::to_string(v.n);
  out += R"(, "timeout_sec": )";
  append_timeout(v.timeout_sec, out);
  out += '}';
}

void append_write_transport_params(std::span<const std::uint8_t> data,
                                   std::optional<double> timeout_sec, std::string& out) {
  out.reserve(out.size() + data.size() / 4 * 5 + 64);
  out += kDataHead;
  b85encode_append(data, out);
  out += R"(", "timeout_sec": )";
  append_timeout(timeout_sec, out);
  out += '}';
}

void append_read_transport_result(std::span<const std::uint8_t> data, std::string& out) {
  out.reserve(out.size() + data.size() / 4 * 5 + 16);
  out += kDataHead;
  b85encode_append(data, out);  // base85 text is JSON-safe: no escaping
  out += kDataTail;
}

bool read_transport_result_from_text(std::string_view text, std::vector<std::uint8_t>& out) {
  if (text.size() < kDataHead.size() + kDataTail.size() || !text.starts_with(kDataHead) ||
      !text.ends_with(kDataTail))
    return false;
  const std::size_t before = out.size();
  try {
    b85decode_append(
        text.substr(kDataHead.size(), text.size() - kDataHead.size() - kDataTail.size()), out);
  } catch (const utvm::Error&) {
    out.resize(before);  // not plain base85 (an escape, say): the caller parses it properly
    return false;
  }
  return true;
}

std::vector<ProjectOption> default_project_options() {
  const std::vector<std::string> gp = {std::string(method::kGenerateProject)};
  auto opt = [&](const char* name, const char* type, bool required, nlohmann::json def,
                 const char* help) {
    ProjectOption o;
    o.name = name;
    o.type = type;
    o.default_value = std::move(def);
    if (required) {
      o.required = gp;
    } else {
      o.optional = gp;
    }
    o.help = help;
    return o;
  };
  return {
      opt("verbose", "bool", false, false, "Run build with verbose output."),
      opt("project_type", "str", true, nullptr, "Type of project to generate."),
      opt("board", "str", true, nullptr, "Name of the board to build for."),
      opt("cmsis_path", "str", false, nullptr, "Path to the CMSIS directory."),
      opt("warning_as_error", "bool", false, false,
          "Treat warnings as errors and raise an Exception."),
      opt("compile_definitions", "str", false, nullptr, "Extra definitions added project compile."),
      opt("extra_files_tar", "str", false, nullptr,
          "If given, during generate_project, uncompress the tarball at this path into the "
          "project dir."),
  };
}

ProjectOption& find_project_option(std::vector<ProjectOption>& options, std::string_view name) {
  for (auto& o : options) {
    if (o.name == name) return o;
  }
  throw utvm::Error(ExitCode::kFailure,
                    "Option " + std::string(name) + " was not found in default ProjectOptions.");
}

}  // namespace utvm::project_api
