// utvm: the command-line entry point. Parses the command line with CLI11, runs one command and
// maps every utvm::Error to its documented exit code (docs/cli.md).
#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <cstdio>

#include "utvm/common/error.h"
#include "utvm/common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"utvm: take a TVM Model Library Format archive to a microcontroller and run it"};
  app.set_version_flag("--version", std::string("utvm ") + utvm::version());
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return 0;
}
