// utvm: the command-line entry point. Parses the command line with CLI11, runs one command and
// maps every utvm::Error to its documented exit code (docs/cli.md). Errors go to stderr, data to
// stdout. Nothing here reads files or spawns processes, so `utvm --help` stays instant.
#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>

#include "commands.h"
#include "utvm/cli/context.h"
#include "utvm/cli/server_error_text.h"
#include "utvm/cli/term.h"
#include "utvm/common/error.h"
#include "utvm/common/suggest.h"
#include "utvm/common/text.h"
#include "utvm/common/version.h"
#include "utvm/platforms/platforms.h"
#include "utvm/project_api/errors.h"

namespace {

// Messages may carry untrusted text (archive names, a server's error, a build log's tail): shown
// with control characters escaped and at most this many bytes.
constexpr std::size_t kMaxErrorBytes = 16 * 1024;

int report_error(const std::string& raw, utvm::ExitCode code) {
  const std::string message = utvm::printable(utvm::capped(raw, kMaxErrorBytes), true);
  const bool color = utvm::cli::use_color(STDERR_FILENO);
  std::fputs(color ? "\033[1;31merror:\033[0m " : "error: ", stderr);
  std::fputs(message.c_str(), stderr);
  if (message.empty() || message.back() != '\n') std::fputc('\n', stderr);
  return static_cast<int>(code);
}

// The words CLI11 lists after "...: " in "The following argument(s) was/were not expected: X Y",
// in the order the user typed them (CLI11 lists them last first).
std::vector<std::string> unexpected_words(const std::string& message) {
  std::vector<std::string> words;
  const auto colon = message.find(": ");
  if (colon == std::string::npos) return words;
  std::string rest = message.substr(colon + 2);
  rest = rest.substr(0, rest.find('\n'));
  for (std::size_t at = 0; at < rest.size();) {
    std::size_t end = rest.find(' ', at);
    if (end == std::string::npos) end = rest.size();
    if (end > at) words.push_back(rest.substr(at, end - at));
    at = end + 1;
  }
  std::reverse(words.begin(), words.end());
  return words;
}

// The nearest command or flag to the first unexpected word that has one, from the commands and
// the flags of the commands given.
std::string extras_hint(const CLI::App& app, const std::vector<std::string>& words) {
  std::vector<std::string> candidates;
  const CLI::App* cmd = &app;
  for (;;) {
    for (const CLI::App* sub : cmd->get_subcommands({})) {
      candidates.push_back(sub->get_name());
      for (const auto& alias : sub->get_aliases())
        candidates.push_back(alias);
    }
    for (const CLI::Option* opt : cmd->get_options()) {
      for (const auto& l : opt->get_lnames())
        candidates.push_back("--" + l);
    }
    auto parsed = cmd->get_subcommands();
    if (parsed.empty()) break;
    cmd = parsed.front();
  }
  for (const auto& word : words) {
    std::string hint = utvm::did_you_mean(word, candidates);
    if (!hint.empty()) return hint;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // Server mode, exec'd by the built-in platforms' launch_microtvm_api_server.sh scripts:
  // `utvm api-server PLATFORM --read-fd N --write-fd M [--debug]`. Dispatched before CLI11 so a
  // server starts as fast as possible and parses its own arguments exactly like TVM's server.py.
  if (argc >= 2 && std::string_view(argv[1]) == "api-server") {
    if (argc < 3) {
      std::fputs("usage: utvm api-server PLATFORM --read-fd N --write-fd M [--debug]\n", stderr);
      return static_cast<int>(utvm::ExitCode::kUsage);
    }
    return utvm::platforms::run_platform_server(argv[2], argc - 2, argv + 2);
  }
  CLI::App app{"utvm: take a TVM Model Library Format archive to a microcontroller and run it",
               "utvm"};
  app.set_version_flag("--version", std::string("utvm ") + utvm::version());
  app.require_subcommand(0, 1);
  app.fallthrough();
  auto& ctx = utvm::cli::cli_context();
  app.add_flag("-v,--verbose", ctx.verbose, "Stream build and flash output instead of logging it");
  app.add_flag("--no-color", ctx.no_color, "Never colour the output (NO_COLOR is honoured too)");
  app.footer(
      "Examples:\n"
      "  utvm create-project ./proj model.tar host\n"
      "  utvm build ./proj\n"
      "  utvm flash ./proj\n"
      "  utvm run ./proj --fill-mode random\n"
      "  utvm validate ./proj   (the device against a host build of the same model)\n"
      "  utvm micro create-project ./proj model.tar template --template-dir DIR \\\n"
      "      --project-option board=qemu_x86\n"
      "Exit codes are listed in docs/cli.md; `utvm COMMAND --help` shows each command's options.");

  register_project_commands(app);
  register_micro_command(app);
  register_platforms_commands(app);
  register_doctor_command(app);
  register_completion_command(app);
  register_help_command(app);
  register_info_command(app);
  register_run_command(app);
  register_validate_command(app);
  register_devices_command(app);
  register_bench_command(app);
  register_serve_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // CLI11's text with utvm's `error:` prefix, the words in the order given, and a hint.
    const auto words = unexpected_words(e.what());
    std::string joined;
    for (const auto& w : words)
      joined += (joined.empty() ? "" : " ") + w;
    return report_error(
        fmt::format("The following argument{} not expected: {}\nRun with --help "
                    "for more information.{}",
                    words.size() == 1 ? " was" : "s were", joined, extras_hint(app, words)),
        utvm::ExitCode::kUsage);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // CLI::Success: not an error
    // CLI11's own codes are not ours: every command-line mistake is a usage error (2).
    return report_error(std::string(e.what()) + "\nRun with --help for more information.",
                        utvm::ExitCode::kUsage);
  } catch (const utvm::project_api::ServerError& e) {
    return report_error(utvm::cli::server_error_text(e, utvm::cli::cli_context().verbose),
                        e.code());
  } catch (const utvm::Error& e) {
    return report_error(e.what(), e.code());
  } catch (const std::exception& e) {
    return report_error(std::string("internal error: ") + e.what(), utvm::ExitCode::kFailure);
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return utvm::cli::cli_context().exit_code;
}
