// `utvm platforms [--json]` and `utvm boards [PLATFORM] [FILTER] [--fits MODEL] [--json]`: what
// is installed, read from the platforms' data files (platform.json, boards files), never from code.
#include <fmt/core.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "utvm/cli/board_fit.h"
#include "utvm/cli/platform_registry.h"
#include "utvm/common/error.h"
#include "utvm/common/install_layout.h"
#include "utvm/mlf/model.h"

namespace {

using utvm::cli::Board;
using utvm::cli::PlatformEntry;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A board matches FILTER when the filter (case-insensitive) occurs in its name or in any string
// value of its data (description, cpu, ...).
bool matches(const Board& b, const std::string& filter) {
  if (filter.empty()) return true;
  const std::string f = lower(filter);
  if (lower(b.name).find(f) != std::string::npos) return true;
  bool hit = false;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (hit) return;
    if (j.is_string()) {
      hit = lower(j.get<std::string>()).find(f) != std::string::npos;
    } else if (j.is_structured()) {
      for (const auto& v : j)
        walk(v);
    }
  };
  walk(b.data);
  return hit;
}

// A short summary column for the table: the description, else cpu/mcu fields.
std::string summary(const nlohmann::json& d) {
  for (const char* key : {"description", "name_long", "mcu", "cpu", "soc", "fqbn"}) {
    if (auto it = d.find(key); it != d.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

void print_platforms(bool json) {
  auto platforms = utvm::cli::list_platforms();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : platforms) {
      out.push_back(
          {{"name", p.name},
           {"template_dir", p.template_dir.string()},
           {"description", p.description},
           {"boards_file", p.boards_file.empty() ? nlohmann::json(nullptr)
                                                 : nlohmann::json(p.boards_file.string())}});
    }
    std::puts(nlohmann::json{{"schema_version", 1}, {"platforms", out}}.dump(2).c_str());
    return;
  }
  if (platforms.empty()) {
    std::fprintf(stderr, "no built-in platforms found in %s\n",
                 utvm::install::platforms_dir().c_str());
    return;
  }
  std::size_t w = 8;
  for (const auto& p : platforms)
    w = std::max(w, p.name.size());
  std::fputs(fmt::format("{:<{}}  {}\n", "PLATFORM", w, "DESCRIPTION").c_str(), stdout);
  for (const auto& p : platforms) {
    std::fputs(fmt::format("{:<{}}  {}\n", p.name, w, p.description).c_str(), stdout);
  }
  std::fputs(fmt::format("\ntemplates: {}\n", utvm::install::platforms_dir().string()).c_str(),
             stdout);
}

// `--fits MODEL`: which boards can hold the model (from its metadata), and by how much the others
// fall short.
void print_fits(const std::vector<Board>& boards, const std::string& mlf, bool json) {
  const utvm::cli::ModelNeeds needs = utvm::cli::model_needs(utvm::mlf::load_model(mlf));
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : boards) {
      const auto f = utvm::cli::fit(needs, utvm::cli::board_memory(b));
      auto opt = [](const std::optional<std::uint64_t>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json();
      };
      out.push_back({{"platform", b.platform},
                     {"name", b.name},
                     {"ram_bytes", opt(f.ram)},
                     {"flash_bytes", opt(f.flash)},
                     {"ram_needed_bytes", f.ram_needed},
                     {"flash_needed_bytes", f.flash_needed},
                     {"fits", f.fits()},
                     {"ram_short_bytes", f.ram_short()},
                     {"flash_short_bytes", f.flash_short()}});
    }
    std::puts(
        nlohmann::json{{"schema_version", 1}, {"model", mlf}, {"boards", out}}.dump(2).c_str());
    return;
  }
  std::fputs(fmt::format("{} needs at least {} B of RAM (workspace arena {} B + I/O tensors {} B) "
                         "and {} B of flash for its weights, before the runtime and stack\n",
                         mlf, needs.arena + needs.io, needs.arena, needs.io, needs.constants)
                 .c_str(),
             stdout);
  std::size_t wp = 8, wb = 5;
  for (const auto& b : boards) {
    wp = std::max(wp, b.platform.size());
    wb = std::max(wb, b.name.size());
  }
  std::fputs(fmt::format("{:<{}}  {:<{}}  {:>10}  {:>10}  {}\n", "PLATFORM", wp, "BOARD", wb, "RAM",
                         "FLASH", "FITS")
                 .c_str(),
             stdout);
  auto size = [](const std::optional<std::uint64_t>& v) {
    if (!v) return std::string("?");
    return *v < 1024 ? fmt::format("{} B", *v) : fmt::format("{} KiB", *v / 1024);
  };
  for (const auto& b : boards) {
    const auto f = utvm::cli::fit(needs, utvm::cli::board_memory(b));
    std::fputs(
        fmt::format("{:<{}}  {:<{}}  {:>10}  {:>10}  {}\n", b.platform, wp, b.name, wb, size(f.ram),
                    size(f.flash), f.fits() ? "yes" : "no: " + utvm::cli::shortfall_text(f))
            .c_str(),
        stdout);
  }
}

void print_boards(const std::string& platform, const std::string& filter, bool json,
                  const std::string& fits_mlf) {
  std::vector<PlatformEntry> platforms;
  std::string board_filter = filter;
  if (!platform.empty()) {
    auto all = utvm::cli::list_platforms();
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const PlatformEntry& p) { return p.name == platform; });
    if (it != all.end()) {
      platforms.push_back(*it);
    } else if (filter.empty()) {
      // `utvm boards FILTER`: a single word that is not a platform filters all platforms.
      platforms = all;
      board_filter = platform;
    } else {
      platforms.push_back(utvm::cli::find_platform(platform));  // throws with the known names
    }
  } else {
    platforms = utvm::cli::list_platforms();
  }
  std::vector<Board> boards;
  for (const auto& p : platforms) {
    for (auto& b : utvm::cli::read_boards(p)) {
      if (matches(b, board_filter)) boards.push_back(std::move(b));
    }
  }
  if (!fits_mlf.empty()) {
    print_fits(boards, fits_mlf, json);
    return;
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : boards) {
      auto bytes = [](std::uint64_t n) { return n ? nlohmann::json(n) : nlohmann::json(); };
      nlohmann::json usb;
      if (b.usb) usb = {{"vid", b.usb->vid}, {"pid", b.usb->pid}};
      out.push_back({{"platform", b.platform},
                     {"name", b.name},
                     {"description", b.description},
                     {"cpu", b.cpu},
                     {"arch", b.arch},
                     {"fpu", b.fpu},
                     {"ram_bytes", bytes(b.ram.size)},
                     {"flash_bytes", bytes(b.flash.size)},
                     {"emulated", b.emulator.has_value()},
                     {"emulator", b.emulator ? nlohmann::json(b.emulator->kind) : nlohmann::json()},
                     {"usb", usb},
                     {"data", b.data}});
    }
    std::puts(nlohmann::json{{"schema_version", 1}, {"boards", out}}.dump(2).c_str());
    return;
  }
  if (boards.empty()) {
    std::fputs(board_filter.empty() ? "no board data found\n"
                                    : ("no board matches '" + board_filter + "'\n").c_str(),
               stderr);
    return;
  }
  std::size_t wp = 8, wb = 5;
  for (const auto& b : boards) {
    wp = std::max(wp, b.platform.size());
    wb = std::max(wb, b.name.size());
  }
  std::fputs(
      fmt::format("{:<{}}  {:<{}}  {}\n", "PLATFORM", wp, "BOARD", wb, "DESCRIPTION").c_str(),
      stdout);
  for (const auto& b : boards) {
    std::fputs(
        fmt::format("{:<{}}  {:<{}}  {}\n", b.platform, wp, b.name, wb, summary(b.data)).c_str(),
        stdout);
  }
}

}  // namespace

void register_platforms_commands(CLI::App& app) {
  auto* plat = app.add_subcommand("platforms", "List the built-in platforms and their templates");
  auto plat_json = std::make_shared<bool>(false);
  plat->add_flag("--json", *plat_json, "Print JSON (schema_version 1) instead of a table");
  plat->footer(
      "Examples:\n"
      "  utvm platforms\n"
      "  utvm platforms --json\n"
      "Each platform is a template directory under <prefix>/share/utvm/platforms/<name>/\n"
      "(override with UTVM_DATA_DIR); see docs/cli.md for its platform.json.");
  auto plat_names = std::make_shared<bool>(false);
  plat->add_flag("--names", *plat_names, "Print only the names, one per line (for completion)")
      ->group("");
  plat->callback([plat_json, plat_names] {
    if (*plat_names) {
      for (const auto& p : utvm::cli::list_platforms())
        std::puts(p.name.c_str());
      return;
    }
    print_platforms(*plat_json);
  });

  auto* boards = app.add_subcommand("boards", "List the boards of the built-in platforms");
  auto b_platform = std::make_shared<std::string>();
  auto b_filter = std::make_shared<std::string>();
  auto b_json = std::make_shared<bool>(false);
  boards->add_option("PLATFORM", *b_platform, "Only this platform's boards");
  boards->add_option("FILTER", *b_filter,
                     "Only boards whose name or data contains this text (case-insensitive)");
  auto b_fits = std::make_shared<std::string>();
  boards->add_flag("--json", *b_json, "Print JSON (schema_version 1) instead of a table");
  boards
      ->add_option("--fits", *b_fits,
                   "Say which boards can hold this MLF model (from its metadata) and by how "
                   "much the others fall short")
      ->type_name("MLF");
  boards->footer(
      "Examples:\n"
      "  utvm boards\n"
      "  utvm boards baremetal\n"
      "  utvm boards baremetal m4\n"
      "  utvm boards cortex-m7 --json\n"
      "  utvm boards arduino --fits model.tar\n"
      "Boards come from each platform's board data file (platform.json \"boards\").");
  boards->callback([b_platform, b_filter, b_json, b_fits] {
    print_boards(*b_platform, *b_filter, *b_json, *b_fits);
  });
}
