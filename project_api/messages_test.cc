// Typed messages, JSON-RPC objects and error types.
#include "utvm/project_api/messages.h"

#include <gtest/gtest.h>

#include <functional>

#include "utvm/project_api/errors.h"
#include "utvm/project_api/jsonrpc.h"

namespace utvm::project_api {
namespace {

std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Messages, ProjectOptionEmitsAllSevenKeysInOrder) {
  ProjectOption o{"verbose",
                  std::nullopt,
                  false,
                  "bool",
                  std::nullopt,
                  std::vector<std::string>{"generate_project"},
                  "Run build with verbose output."};
  EXPECT_EQ(dump_ascii_json(Json(o)),
            "{\"name\": \"verbose\", \"choices\": null, \"default\": false, \"type\": \"bool\", "
            "\"required\": null, \"optional\": [\"generate_project\"], \"help\": \"Run build with "
            "verbose output.\"}");
  EXPECT_TRUE(o.is_optional_for("generate_project"));
  EXPECT_FALSE(o.is_required_for("generate_project"));
  EXPECT_FALSE(o.is_optional_for("build"));
}

TEST(Messages, ServerInfoRoundTripAndProtocolVersionLast) {
  ServerInfo info;
  info.platform_name = "zephyr";
  info.is_template = false;
  info.model_library_format_path = "/path/to/p1/model.tar";
  info.project_options = {{"board", std::vector<std::string>{"a", "b"}, nullptr, "str",
                           std::vector<std::string>{"build"}, std::nullopt, "Board."}};
  const std::string text = dump_ascii_json(Json(info));
  EXPECT_EQ(text,
            "{\"platform_name\": \"zephyr\", \"is_template\": false, \"model_library_format_path\":"
            " \"/path/to/p1/model.tar\", \"project_options\": [{\"name\": \"board\", \"choices\": "
            "[\"a\", \"b\"], \"default\": null, \"type\": \"str\", \"required\": [\"build\"], "
            "\"optional\": null, \"help\": \"Board.\"}], \"protocol_version\": 1}");
  std::string direct;
  append_json_text(info, direct);
  EXPECT_EQ(direct, text);
  info.project_options = default_project_options();
  info.project_options[0].help = "caf\xc3\xa9 \"q\"";
  info.project_options[1].default_value = 2.5;
  info.is_template = true;
  direct.clear();
  append_json_text(info, direct);
  EXPECT_EQ(direct, dump_ascii_json(Json(info)));
  const ServerInfo back = Json::parse(text).get<ServerInfo>();
  EXPECT_EQ(back.platform_name, "zephyr");
  EXPECT_EQ(back.model_library_format_path, "/path/to/p1/model.tar");
  ASSERT_EQ(back.project_options.size(), 1u);
  EXPECT_EQ(back.project_options[0].choices, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(back.project_options[0].default_value.is_null());
  EXPECT_EQ(back.protocol_version, 1);
}

TEST(Messages, ServerInfoStrictErrorsNameTheField) {
  Json j = Json::parse(
      R"({"platform_name": "x", "is_template": true, "model_library_format_path": null,
          "project_options": [{"name": "a", "choices": null, "default": null, "type": "str",
          "required": null, "optional": ["build"], "help": null}], "protocol_version": 1})");
  EXPECT_EQ(error_text([&] { j.get<ServerInfo>(); }),
            "server_info_query result.project_options[0].help: want string, got null");
  j["project_options"][0]["help"] = "h";
  EXPECT_EQ(j.get<ServerInfo>().model_library_format_path, "");  // null → ""
  j.erase("protocol_version");
  EXPECT_EQ(error_text([&] { j.get<ServerInfo>(); }),
            "server_info_query result.protocol_version: missing");
  j["protocol_version"] = 1;
  j["project_options"][0]["choices"] = Json::array({1});
  EXPECT_EQ(error_text([&] { j.get<ServerInfo>(); }),
            "server_info_query result.project_options[0].choices[0]: want string, got integer");
  EXPECT_EQ(error_text([] { Json(5).get<ServerInfo>(); }),
            "server_info_query result: want object, got integer");
}

TEST(Messages, TransportMessages) {
  EXPECT_EQ(dump_ascii_json(Json(OpenTransportResult{{1.0, 2.0, 3.0}})),
            "{\"timeouts\": {\"session_start_retry_timeout_sec\": 1.0, "
            "\"session_start_timeout_sec\": 2.0, \"session_established_timeout_sec\": 3.0}}");
  const auto timeouts = Json::parse(R"({"timeouts": {"session_start_retry_timeout_sec": 0,
      "session_start_timeout_sec": 5, "session_established_timeout_sec": 0.5}})")
                            .get<OpenTransportResult>()
                            .timeouts;
  EXPECT_EQ(timeouts.session_start_timeout_sec, 5.0);
  EXPECT_EQ(timeouts.session_established_timeout_sec, 0.5);
  EXPECT_THROW(
      Json::parse(R"({"timeouts": {"session_start_timeout_sec": 5}})").get<OpenTransportResult>(),
      utvm::Error);

  EXPECT_EQ(dump_ascii_json(Json(ReadTransportParams{128, 5.0})),
            "{\"n\": 128, \"timeout_sec\": 5.0}");
  EXPECT_EQ(dump_ascii_json(Json(ReadTransportParams{4, std::nullopt})),
            "{\"n\": 4, \"timeout_sec\": null}");
  EXPECT_EQ(dump_ascii_json(Json(WriteTransportParams{{'f', 'o', 'o', 0x1b}, 1.0})),
            "{\"data\": \"W^ZpB\", \"timeout_sec\": 1.0}");
  EXPECT_EQ(Json::parse(R"({"data": "W^ZpB"})").get<ReadTransportResult>().data,
            (std::vector<std::uint8_t>{'f', 'o', 'o', 0x1b}));
  EXPECT_EQ(error_text([] { Json::parse(R"({"data": "W^Z\""})").get<ReadTransportResult>(); }),
            "read_transport result.data: bad base85 character at position 3");
  EXPECT_THROW(Json::parse(R"({"n": -1, "timeout_sec": null})").get<ReadTransportParams>(),
               utvm::Error);
}

TEST(Messages, ParamsKeyOrderFollowsTvmSignatures) {
  GenerateProjectParams p{"/m.tar", "/crt", "/proj", {{"board", "qemu_x86"}}};
  EXPECT_EQ(dump_ascii_json(Json(p)),
            "{\"model_library_format_path\": \"/m.tar\", \"standalone_crt_dir\": \"/crt\", "
            "\"project_dir\": \"/proj\", \"options\": {\"board\": \"qemu_x86\"}}");
  EXPECT_EQ(dump_ascii_json(Json(CloseTransportParams{})), "{}");
  EXPECT_EQ(dump_ascii_json(Json(ServerInfoQueryParams{"0.13.dev0"})),
            "{\"tvm_version\": \"0.13.dev0\"}");
  EXPECT_THROW(Json::parse(R"({})").get<OptionsParams>(), utvm::Error);
}

// What TVM's server passes through unchecked reaches the handler as sent.
TEST(Messages, ServerReadsUncheckedParamsAsSent) {
  EXPECT_TRUE(Json::parse(R"({"options": null})").get<OptionsParams>().options.is_null());
  EXPECT_EQ(Json::parse(R"({"tvm_version": 13})").get<ServerInfoQueryParams>().tvm_version, "13");
  EXPECT_EQ(
      error_text([] { Json::parse(R"({"n": "x", "timeout_sec": 1})").get<ReadTransportParams>(); }),
      "read_transport params.n: want non-negative integer, got string");
}

TEST(Messages, MethodSignaturesFollowTvm) {
  ASSERT_NE(find_method("generate_project"), nullptr);
  EXPECT_EQ(find_method("generate_project")->params.size(), 4u);
  EXPECT_TRUE(find_method("flash")->options_must_be_dict);
  EXPECT_FALSE(find_method("open_transport")->options_must_be_dict);
  EXPECT_TRUE(find_method("close_transport")->params.empty());
  EXPECT_EQ(find_method("reboot"), nullptr);
  for (std::string_view m : kOptionMethods)
    EXPECT_NE(find_method(m), nullptr) << m;
}

// The text fast paths write exactly what dump_ascii_json of the typed message gives.
TEST(Messages, TransportFastPathsMatchTheTypedText) {
  const std::vector<std::uint8_t> bytes = {'f', 'o', 'o', 0x1b, 0, 255, 7};
  std::string text;
  append_json_text(ReadTransportParams{128, 0.25}, text);
  EXPECT_EQ(text, dump_ascii_json(Json(ReadTransportParams{128, 0.25})));
  text.clear();
  append_json_text(ReadTransportParams{4, std::nullopt}, text);
  EXPECT_EQ(text, dump_ascii_json(Json(ReadTransportParams{4, std::nullopt})));
  text.clear();
  append_write_transport_params(bytes, 5.0, text);
  EXPECT_EQ(text, dump_ascii_json(Json(WriteTransportParams{bytes, 5.0})));
  text.clear();
  append_read_transport_result(bytes, text);
  EXPECT_EQ(text, dump_ascii_json(Json(ReadTransportResult{bytes})));

  std::vector<std::uint8_t> out = {9};
  ASSERT_TRUE(read_transport_result_from_text(text, out));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{9, 'f', 'o', 'o', 0x1b, 0, 255, 7}));
  out = {9};
  EXPECT_FALSE(read_transport_result_from_text(R"({"data": "W^Z\u0070B"})", out));
  EXPECT_FALSE(read_transport_result_from_text(R"({"data": "W^ZpB", "x": 1})", out));
  EXPECT_FALSE(read_transport_result_from_text("null", out));
  EXPECT_EQ(out, std::vector<std::uint8_t>{9});
}

TEST(Messages, ProtocolVersionIsCheckedFirst) {
  EXPECT_NO_THROW(check_protocol_version(Json::parse(R"({"protocol_version": 1})")));
  EXPECT_EQ(error_text([] { check_protocol_version(Json::parse(R"({"platform_name": "x"})")); }),
            "the reply has no protocol_version (a pre-2021 server?)");
  EXPECT_EQ(error_text([] { check_protocol_version(Json::parse(R"({"protocol_version": 0})")); }),
            "microTVM API Server supports protocol version 0; want 1");
}

// Spec §7 item 17: the standard option list.
TEST(Messages, DefaultProjectOptions) {
  auto opts = default_project_options();
  ASSERT_EQ(opts.size(), 7u);
  const char* names[] = {"verbose",          "project_type",        "board",          "cmsis_path",
                         "warning_as_error", "compile_definitions", "extra_files_tar"};
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(opts[i].name, names[i]);
    const bool required = opts[i].name == "project_type" || opts[i].name == "board";
    EXPECT_EQ(opts[i].is_required_for("generate_project"), required) << names[i];
    EXPECT_EQ(opts[i].is_optional_for("generate_project"), !required) << names[i];
  }
  EXPECT_EQ(opts[0].type, "bool");
  EXPECT_EQ(opts[0].default_value, false);
  EXPECT_TRUE(opts[1].default_value.is_null());
  // §7 item 18: attributes can be overridden per option.
  find_project_option(opts, "verbose").optional = std::vector<std::string>{"flash"};
  find_project_option(opts, "verbose").required = std::vector<std::string>{"build"};
  EXPECT_TRUE(opts[0].is_required_for("build"));
  EXPECT_EQ(error_text([&] { find_project_option(opts, "nope"); }),
            "Option nope was not found in default ProjectOptions.");
}

TEST(JsonRpc, RequestAndReplyKeyOrder) {
  EXPECT_EQ(
      dump_ascii_json(jsonrpc::make_request("build", Json::parse(R"({"options": {}})"), 3)),
      "{\"jsonrpc\": \"2.0\", \"method\": \"build\", \"params\": {\"options\": {}}, \"id\": 3}");
  EXPECT_EQ(dump_ascii_json(jsonrpc::make_result_reply(1, nullptr)),
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": null}");
  EXPECT_EQ(jsonrpc::result_reply_line("a", Json::parse("[1]")),
            "{\"jsonrpc\": \"2.0\", \"id\": \"a\", \"result\": [1]}");
  EXPECT_EQ(
      dump_ascii_json(jsonrpc::make_error_reply(nullptr, -32600, "m")),
      "{\"jsonrpc\": \"2.0\", \"id\": null, \"error\": {\"code\": -32600, \"message\": \"m\", "
      "\"data\": null}}");
  EXPECT_TRUE(jsonrpc::is_known_error_code(-32602));
  EXPECT_FALSE(jsonrpc::is_known_error_code(-1));
  EXPECT_STREQ(jsonrpc::error_code_name(-32601), "METHOD_NOT_FOUND");
}

TEST(JsonRpc, AppendedEnvelopesMatchTheJsonOnes) {
  std::string line;
  jsonrpc::append_request_head(line, "read_transport");
  line += R"({"n": 4})";
  jsonrpc::append_request_tail(line, 12);
  EXPECT_EQ(line, dump_ascii_json(jsonrpc::make_request("read_transport",
                                                        Json::parse(R"({"n": 4})"), Json(12))));
  line.clear();
  jsonrpc::append_result_reply_head(line, Json("a"));
  line += "null}";
  EXPECT_EQ(line, dump_ascii_json(jsonrpc::make_result_reply(Json("a"), nullptr)));

  EXPECT_EQ(jsonrpc::plain_result_text(R"({"jsonrpc": "2.0", "id": 12, "result": {"a": 1}})", 12),
            R"({"a": 1})");
  EXPECT_EQ(jsonrpc::plain_result_text(R"({"jsonrpc": "2.0", "id": 12, "result": null})", 1),
            std::nullopt);
  EXPECT_EQ(jsonrpc::plain_result_text(R"({"jsonrpc": "2.0", "id": 1, "error": {}})", 1),
            std::nullopt);
  EXPECT_EQ(jsonrpc::plain_result_text(R"({"id": 1, "jsonrpc": "2.0", "result": null})", 1),
            std::nullopt);
}

TEST(JsonRpc, DecodeReplyChecksLikeTvmClient) {
  EXPECT_EQ(error_text([] { jsonrpc::decode_reply(Json::parse(R"({"jsonrpc": 2, "id": 1})")); }),
            "Server reply should include 'jsonrpc': '2.0'; saw jsonrpc=2");
  EXPECT_EQ(error_text([] {
              jsonrpc::decode_reply(Json::parse(R"({"jsonrpc": "2.0", "id": 2, "result": 1})"),
                                    Json(1));
            }),
            "Reply id (2) does not equal request id (1");
  EXPECT_EQ(error_text([] {
              jsonrpc::decode_reply(Json::parse(R"({"jsonrpc": "2.0", "id": 1})"), Json(1));
            }),
            "Expected 'result' key in server reply, got {'jsonrpc': '2.0', 'id': 1}");
  const auto ok =
      jsonrpc::decode_reply(Json::parse(R"({"jsonrpc": "2.0", "id": 1, "result": null})"), Json(1));
  EXPECT_FALSE(ok.is_error);
  EXPECT_TRUE(ok.result.is_null());
  const auto err = jsonrpc::decode_reply(
      Json::parse(
          R"({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "m", "data": null}})"),
      Json(1));
  EXPECT_TRUE(err.is_error);
  EXPECT_EQ(err.error_code, -32601);
  EXPECT_EQ(err.error_message, "m");
}

TEST(Errors, StringFormsLikeTvm) {
  const Json tb = Json::parse(R"({"traceback": "Traceback...\nBoom"})");
  EXPECT_EQ(std::string(IoTimeoutError(tb, "calling method read_transport").what()),
            "calling method read_transport: JSON-RPC error # -32000: IoTimeoutError\n"
            "Traceback...\nBoom");
  EXPECT_EQ(std::string(JsonRpcError(-32601, "nope: no such method").what()),
            "JSON-RPC error # -32601: nope: no such method");
  EXPECT_EQ(std::string(ServerError("bad", Json::parse(R"({"k": 1})")).what()),
            "JSON-RPC error # -32000: bad\n{'k': 1}");
  EXPECT_EQ(IoTimeoutError::kCode, -32000);
  EXPECT_EQ(IoTimeoutError().message(), "IoTimeoutError");
  EXPECT_EQ(TransportClosedError().code(), ExitCode::kTransport);
}

TEST(Errors, ThrowErrorReplyPicksTheType) {
  EXPECT_THROW(throw_error_reply(-32000, "IoTimeoutError", nullptr), IoTimeoutError);
  EXPECT_THROW(throw_error_reply(-32000, "TransportClosedError", nullptr), TransportClosedError);
  EXPECT_THROW(throw_error_reply(-32000, "UnsupportedTVMVersionError", nullptr),
               UnsupportedTVMVersionError);
  try {
    throw_error_reply(-32000, "calling method build", nullptr, "calling method build");
  } catch (const IoTimeoutError&) {
    FAIL() << "wrong type";
  } catch (const ServerError& e) {
    EXPECT_EQ(e.message(), "calling method build");
  }
  try {
    throw_error_reply(-32602, "m", nullptr);
  } catch (const JsonRpcError& e) {
    EXPECT_EQ(e.code(), -32602);
  }
  EXPECT_EQ(error_text([] { throw_error_reply(-1, "m", nullptr); }),
            "server sent unknown JSON-RPC error code -1: m");
}

}  // namespace
}  // namespace utvm::project_api
