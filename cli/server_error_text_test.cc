#include "utvm/cli/server_error_text.h"

#include <gtest/gtest.h>

namespace {

using utvm::cli::server_error_text;
using utvm::project_api::Json;
using utvm::project_api::ServerError;

ServerError with_traceback(const std::string& message, const std::string& traceback) {
  Json data = Json::object();
  data["traceback"] = traceback;
  return ServerError(message, data, "calling method build");
}

const char* kFrames =
    "Traceback (most recent call last):\n"
    "  File \"utvm/project_api/server.cc\", in handle_request_line\n"
    "    Handler::build()\n";

TEST(ServerErrorText, HidesTheFramesUnlessVerbose) {
  auto e = with_traceback("board x has no UART",
                          std::string(kFrames) + "ServerError: board x has no UART\n");
  const std::string text = server_error_text(e, false);
  EXPECT_NE(text.find("board x has no UART"), std::string::npos) << text;
  EXPECT_EQ(text.find("Traceback"), std::string::npos) << text;
  EXPECT_EQ(text.find("handle_request_line"), std::string::npos) << text;
  EXPECT_NE(text.find("run again with -v"), std::string::npos) << text;
  EXPECT_NE(server_error_text(e, true).find("handle_request_line"), std::string::npos);
}

// A build's message quotes the tool's output over many lines: it is printed once, not again
// after the (hidden) frames.
TEST(ServerErrorText, AMultiLineMessageIsNotRepeated) {
  const std::string message = "build: compiling failed\nmain.c:3: error: boom\nexit status 1";
  auto e = with_traceback(message, std::string(kFrames) + "ServerError: " + message + "\n");
  const std::string text = server_error_text(e, false);
  const auto first = text.find("main.c:3: error: boom");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("main.c:3: error: boom", first + 1), std::string::npos) << text;
  EXPECT_EQ(text.find("Traceback"), std::string::npos) << text;
}

// When the traceback's last line says more than the message (another exception's type and
// text), that line is kept.
TEST(ServerErrorText, KeepsALastLineThatSaysMore) {
  auto e = with_traceback("calling method build",
                          std::string(kFrames) + "std::out_of_range: vector::_M_range_check\n");
  const std::string text = server_error_text(e, false);
  EXPECT_NE(text.find("std::out_of_range: vector::_M_range_check"), std::string::npos) << text;
  EXPECT_EQ(text.find("handle_request_line"), std::string::npos) << text;
}

TEST(ServerErrorText, AMessageWithoutTracebackIsUnchanged) {
  ServerError e("plain failure");
  EXPECT_EQ(server_error_text(e, false), e.what());
}

}  // namespace
