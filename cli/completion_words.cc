#include "completion_words.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "utvm/cli/platform_registry.h"
#include "utvm/cli/project.h"
#include "utvm/project_api/messages.h"

namespace utvm::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kProjectOption = "--project-option";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool is_flag_word(const std::string& w) {
  return w.size() > 1 && w[0] == '-';
}

// The option `name` ("--x" or "-x") of `app` or of a command above it (global flags).
const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* opt : app->get_options()) {
      if (opt->get_positional()) continue;
      for (const auto& l : opt->get_lnames())
        if (name == "--" + l) return opt;
      for (const auto& s : opt->get_snames())
        if (name == "-" + s) return opt;
    }
  }
  return nullptr;
}

bool takes_value(const CLI::Option* opt) {
  return opt->get_type_size() != 0;  // flags have none
}

const CLI::App* find_subcommand(const CLI::App* app, const std::string& name) {
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
    for (const auto& alias : sub->get_aliases())
      if (alias == name) return sub;
  }
  return nullptr;
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App* app) {
  return app->get_subcommands(
      [](const CLI::App* s) { return !s->get_name().empty() && !s->get_group().empty(); });
}

std::vector<const CLI::Option*> positionals(const CLI::App* app) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* opt : app->get_options())
    if (opt->get_positional()) out.push_back(opt);
  return out;
}

// How a command line reads up to the word under the cursor.
struct Parsed {
  const CLI::App* app = nullptr;
  std::vector<std::string> positionals;
  const CLI::Option* pending = nullptr;  // an option whose value is the word under the cursor
  std::string template_dir;
};

Parsed parse(const CLI::App& root, const std::vector<std::string>& prior) {
  Parsed p;
  p.app = &root;
  bool in_project_options = false;
  for (std::size_t i = 0; i < prior.size(); ++i) {
    const std::string& w = prior[i];
    if (in_project_options && !is_flag_word(w) && w.find('=') != std::string::npos) continue;
    in_project_options = false;
    if (p.pending) {
      if (p.pending->check_lname("template-dir")) p.template_dir = w;
      p.pending = nullptr;
      continue;
    }
    if (is_flag_word(w)) {
      const std::string name = w.substr(0, w.find('='));
      const CLI::Option* opt = find_option(p.app, name);
      if (opt && name == kProjectOption) {  // its values follow, also as "--project-option=a=b"
        in_project_options = true;
        continue;
      }
      if (opt && takes_value(opt) && w.find('=') == std::string::npos) p.pending = opt;
      if (opt && opt->check_lname("template-dir") && w.find('=') != std::string::npos)
        p.template_dir = w.substr(w.find('=') + 1);
      continue;
    }
    if (p.positionals.empty()) {
      if (const CLI::App* sub = find_subcommand(p.app, w)) {
        p.app = sub;
        continue;
      }
    }
    p.positionals.push_back(w);
  }
  if (in_project_options) p.pending = find_option(p.app, kProjectOption);
  return p;
}

std::vector<std::string> platform_names() {
  std::vector<std::string> out;
  for (const auto& p : list_platforms())
    if (p.error.empty()) out.push_back(p.name);
  return out;
}

// The template or project directory whose server knows the project options here.
std::optional<fs::path> options_server_dir(const Parsed& p) {
  const std::string command = p.app->get_name();
  std::string platform;
  if (command == "create-project" && p.positionals.size() >= 3) {
    platform = p.positionals[2];
  } else if (command == "list-options" && !p.positionals.empty()) {
    platform = p.positionals[0];
  } else if (!p.positionals.empty()) {
    const fs::path dir = absolute_path(p.positionals[0]);
    if (auto project = load_project_file(dir)) return project->template_dir;
    return dir;  // a project made by another tool: its own server
  }
  if (platform.empty()) return std::nullopt;
  if (platform == "template") {
    if (p.template_dir.empty()) return std::nullopt;
    return absolute_path(p.template_dir);
  }
  return find_platform(platform).template_dir;
}

std::vector<project_api::ProjectOption> project_options(const fs::path& dir) {
  project_api::ClientConfig config;
  config.query_timeout = std::chrono::milliseconds(3000);
  config.exit_grace = std::chrono::milliseconds(500);
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // no server chatter
  std::vector<project_api::ProjectOption> out;
  try {
    LaunchedServer server(dir, devnull, config);
    out = server->server_info_query().project_options;
  } catch (...) {
  }
  if (devnull >= 0) ::close(devnull);
  return out;
}

void project_option_words(const Parsed& p, const std::string& cur, std::vector<std::string>& out) {
  const auto dir = options_server_dir(p);
  if (!dir) return;
  const auto options = project_options(*dir);
  const auto eq = cur.find('=');
  if (eq == std::string::npos) {
    for (const auto& o : options)
      out.push_back(o.name + "=");
    out.push_back(":nospace");
    return;
  }
  const std::string name = cur.substr(0, eq);
  for (const auto& o : options) {
    if (o.name != name) continue;
    if (o.choices) {
      for (const auto& c : *o.choices)
        out.push_back(name + "=" + c);
    } else if (o.type == "bool") {
      out.push_back(name + "=true");
      out.push_back(name + "=false");
    } else if (name.find("path") != std::string::npos || name.find("base") != std::string::npos ||
               name.find("dir") != std::string::npos) {
      out.push_back(":files");
    }
  }
}

// Candidates for a positional argument, from its name in the command tree.
void positional_words(const Parsed& p, std::vector<std::string>& out) {
  const auto pos = positionals(p.app);
  if (p.positionals.size() >= pos.size()) return;
  const std::string name = pos[p.positionals.size()]->get_name();
  if (name == "PLATFORM") {
    out = platform_names();
    if (p.app->get_name() != "boards") out.push_back("template");
  } else if (name == "SHELL") {
    out = {"bash", "zsh", "fish"};
  } else if (name == "MLF" || name.find("FILE") != std::string::npos) {
    out.push_back(":files");
  } else if (name.find("DIR") != std::string::npos) {
    out.push_back(":dirs");
  }
}

void option_name_words(const CLI::App* app, std::vector<std::string>& out) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* opt : app->get_options()) {
      if (opt->get_positional() || opt->get_group().empty()) continue;
      for (const auto& l : opt->get_lnames())
        out.push_back("--" + l);
      for (const auto& s : opt->get_snames())
        out.push_back("-" + s);
    }
  }
}

}  // namespace

std::vector<std::string> completion_words(const CLI::App& root,
                                          const std::vector<std::string>& words) {
  std::vector<std::string> out;
  try {
    const std::string cur = words.empty() ? std::string() : words.back();
    const std::vector<std::string> prior(words.begin(),
                                         words.empty() ? words.begin() : words.end() - 1);
    const Parsed p = parse(root, prior);
    if (p.pending && p.pending->check_lname("project-option")) {
      if (is_flag_word(cur))
        option_name_words(p.app, out);
      else
        project_option_words(p, cur, out);
    } else if (p.pending) {
      const std::string n = p.pending->get_name();
      out.push_back(n.find("dir") != std::string::npos ? ":dirs" : ":files");
    } else if (is_flag_word(cur)) {
      option_name_words(p.app, out);
    } else if (p.positionals.empty() && !visible_subcommands(p.app).empty()) {
      for (const CLI::App* sub : visible_subcommands(p.app))
        out.push_back(sub->get_name());
    } else {
      positional_words(p, out);
    }
    // Candidates that do not start with the word typed so far are dropped (directives stay).
    std::vector<std::string> kept;
    for (auto& w : out)
      if (starts_with(w, ":") || starts_with(w, cur)) kept.push_back(std::move(w));
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    return kept;
  } catch (...) {
    return {};
  }
}

}  // namespace utvm::cli
