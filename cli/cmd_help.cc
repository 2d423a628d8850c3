// `utvm help [COMMAND...|TOPIC]`: a command's --help, or a topic (exit-codes, options, platforms,
// environment); and the hidden `utvm __man`, the utvm(1) man page in roff made from the same
// sources (every command's description, options and footer as --help prints them, and the
// topics), so the page cannot drift from the binary. The build writes it to
// share/man/man1/utvm.1.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "commands.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/common/error.h"
#include "utvm/common/suggest.h"
#include "utvm/common/version.h"

namespace {

struct ExitCodeRow {
  int code;
  const char* meaning;
};

// The contract of include/utvm/common/error.h, worded for users (docs/cli.md has the examples).
const std::vector<ExitCodeRow>& exit_codes() {
  static const std::vector<ExitCodeRow> rows = {
      {0, "success"},
      {1, "unexpected internal failure; doctor found a required tool missing"},
      {2, "usage: wrong command line (unknown command, flag or platform, missing argument)"},
      {3,
       "project option error (format, missing, unknown, bad choice or type; CMSIS or TVM CRT "
       "not found)"},
      {4, "no Project API server in the template or project directory"},
      {5, "the server failed, crashed, hung past --timeout or broke the protocol"},
      {6, "the platform's build failed"},
      {7, "the platform's flash failed"},
      {8, "the link to the device failed, timed out, or the device reset mid-run"},
      {9, "outputs differ from --expected, or validate found the device differs from the host"},
      {10, "bad input: an MLF, .npz, project directory or output path is unusable"},
      {11, "another utvm holds the project (build/flash/run with --no-wait)"},
      {12, "bench: the run broke an MLPerf Tiny rule (the timed windows took under 10 s)"},
      {130, "interrupted (Ctrl-C)"},
  };
  return rows;
}

struct EnvRow {
  const char* name;
  const char* meaning;
};

const std::vector<EnvRow>& environment() {
  static const std::vector<EnvRow> rows = {
      {"CMSIS_PATH", "CMSIS (and CMSIS-NN) for models that call it, when cmsis_path is not given"},
      {"ZEPHYR_BASE", "the Zephyr tree, when the zephyr_base option is not given"},
      {"ZEPHYR_MODULES", "Zephyr modules (;-separated), when zephyr_modules is not given"},
      {"ZEPHYR_TOOLCHAIN_VARIANT, ZEPHYR_SDK_INSTALL_DIR",
       "the Zephyr toolchain; without them the board's own (Debian's cross compilers)"},
      {"TVM_CRT_DIR", "TVM's standalone CRT for templates that are not utvm's own"},
      {"UTVM_DATA_DIR",
       "where the platforms, device sources and examples are (default: "
       "<prefix>/share/utvm beside the binary)"},
      {"NO_COLOR", "never colour the output"},
      {"TMPDIR", "where temporary files go"},
  };
  return rows;
}

std::string exit_codes_text() {
  std::string out = "Exit codes (docs/cli.md has examples for each):\n";
  for (const auto& r : exit_codes())
    out += fmt::format("  {:>3}  {}\n", r.code, r.meaning);
  return out;
}

std::string environment_text() {
  std::string out = "Environment variables utvm reads:\n";
  for (const auto& r : environment())
    out += fmt::format("  {}\n      {}\n", r.name, r.meaning);
  return out;
}

constexpr const char* kOptionsText =
    "Project options (a platform's settings, as TVM's Project API calls them):\n"
    "  Given as --project-option NAME=VALUE (several may follow one flag) to create-project,\n"
    "  build, flash and run. create-project stores them in PROJECT/utvm-project.json, so later\n"
    "  commands need only what changes. `utvm list-options PLATFORM` lists a platform's options\n"
    "  with their types, choices and defaults; `utvm boards PLATFORM` lists the choices of\n"
    "  board. Booleans are true/false; --string-values sends every value as a string (tvmc).\n"
    "  Unknown names and choices are errors (exit 3) with the nearest valid word.\n";

std::string platforms_text() {
  std::string out = "Platforms (utvm platforms, utvm boards PLATFORM, docs/platform-*.md):\n";
  for (const auto& p : utvm::cli::list_platforms())
    out += fmt::format("  {:<10} {}\n", p.name, p.error.empty() ? p.description : p.error);
  out += "  template   any Project API server: --template-dir DIR (TVM's own templates too)\n";
  return out;
}

struct Topic {
  const char* name;
  const char* summary;
  std::string (*text)();
};

const std::vector<Topic>& topics() {
  static const std::vector<Topic> t = {
      {"exit-codes", "what each exit status means", exit_codes_text},
      {"options", "project options: passing, storing and listing them",
       [] { return std::string(kOptionsText); }},
      {"platforms", "the platforms this installation has", platforms_text},
      {"environment", "environment variables utvm reads", environment_text},
  };
  return t;
}

// The top-level help (root.help() would show the command being run: help or __man).
std::string root_help(const CLI::App& root) {
  return root.get_formatter()->make_help(&root, root.get_name(), CLI::AppFormatMode::Normal);
}

// ---- the man page ------------------------------------------------------------------------------

// Text for roff: backslashes doubled, leading '.' and '\'' protected, '-' as a real hyphen-minus.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

void man_command(std::string& out, const CLI::App* app, const std::string& path) {
  out += ".SS \"" + roff(path) + "\"\n";
  const std::string parent = path.substr(0, path.rfind(' '));
  out += ".nf\n" + roff(app->help(parent, CLI::AppFormatMode::Normal)) + ".fi\n";
  for (const CLI::App* sub : app->get_subcommands(
           [](const CLI::App* s) { return !s->get_name().empty() && !s->get_group().empty(); }))
    man_command(out, sub, path + " " + sub->get_name());
}

std::string man_page(const CLI::App& root) {
  std::string out = fmt::format(".TH UTVM 1 \"\" \"utvm {}\" \"User Commands\"\n", utvm::version());
  out += ".SH NAME\nutvm \\- " +
         roff(root.get_description().substr(root.get_description().find(": ") + 2)) + "\n";
  out += ".SH SYNOPSIS\n.B utvm\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n";
  out += ".SH DESCRIPTION\n.nf\n" + roff(root_help(root)) + ".fi\n";
  out += ".SH COMMANDS\n";
  for (const CLI::App* sub : root.get_subcommands(
           [](const CLI::App* s) { return !s->get_name().empty() && !s->get_group().empty(); }))
    man_command(out, sub, "utvm " + sub->get_name());
  out += ".SH PROJECT OPTIONS\n.nf\n" + roff(kOptionsText) + ".fi\n";
  out += ".SH EXIT STATUS\n";
  for (const auto& r : exit_codes())
    out += fmt::format(".TP\n.B {}\n{}\n", r.code, roff(r.meaning));
  out += ".SH ENVIRONMENT\n";
  for (const auto& r : environment())
    out += fmt::format(".TP\n.B {}\n{}\n", roff(r.name), roff(r.meaning));
  out +=
      ".SH SEE ALSO\n"
      "\\fButvm help TOPIC\\fR (" +
      std::string("exit\\-codes, options, platforms, environment") +
      "); the documentation in /usr/share/doc/utvm or the docs/ folder of the source.\n";
  return out;
}

}  // namespace

void register_help_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("help", "Show help for a command or a topic");
  auto words = std::make_shared<std::vector<std::string>>();
  cmd->add_option("TOPIC", *words, "A command (e.g. 'run', 'micro create-project') or a topic");
  std::string footer = "Topics:\n";
  for (const auto& t : topics())
    footer += fmt::format("  {:<12} {}\n", t.name, t.summary);
  footer += "Examples:\n  utvm help run\n  utvm help exit-codes";
  cmd->footer(footer);
  CLI::App* root = &app;
  cmd->callback([words, root] {
    if (words->empty()) {
      std::fputs(root_help(*root).c_str(), stdout);
      return;
    }
    if (words->size() == 1) {
      for (const auto& t : topics()) {
        if (words->front() == t.name) {
          std::fputs(t.text().c_str(), stdout);
          return;
        }
      }
    }
    const CLI::App* app = root;
    for (const auto& w : *words) {
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_group().empty()) continue;
        if (sub->get_name() == w) next = sub;
        for (const auto& a : sub->get_aliases())
          if (a == w) next = sub;
      }
      if (next == nullptr) {
        std::vector<std::string> names;
        for (const auto& t : topics())
          names.push_back(t.name);
        for (const CLI::App* sub :
             app->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
          names.push_back(sub->get_name());
        const std::string hint = utvm::did_you_mean(w, names);
        throw utvm::Error(utvm::ExitCode::kUsage,
                          fmt::format("help: no command or topic '{}' (topics: exit-codes, "
                                      "options, platforms, environment){}",
                                      w, hint));
      }
      app = next;
    }
    // As `utvm ... COMMAND --help` prints it: the usage line names the whole command.
    std::string prefix = root->get_name();
    for (std::size_t i = 0; i + 1 < words->size(); ++i)
      prefix += " " + (*words)[i];
    std::fputs(app->help(prefix).c_str(), stdout);
  });

  auto* man = app.add_subcommand("__man", "")->group("");
  man->callback([root] { std::fputs(man_page(*root).c_str(), stdout); });
}
