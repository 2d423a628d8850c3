#include "board.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "utvm/common/error.h"

namespace utvm::platforms::baremetal {
namespace {

using json = nlohmann::json;

struct Reader {
  const std::filesystem::path& file;
  const std::string& board;
  const json& j;

  [[noreturn]] void bad(const std::string& key, const std::string& want) const {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: board '{}': '{}' must be {}", file.string(), board, key, want));
  }
  const json& at(const json& obj, const std::string& key) const {
    auto it = obj.find(key);
    if (it == obj.end()) bad(key, "present");
    return *it;
  }
  std::string str(const json& obj, const std::string& key, bool required = true) const {
    auto it = obj.find(key);
    if (it == obj.end() && !required) return {};
    const json& v = at(obj, key);
    if (!v.is_string()) bad(key, "a string");
    return v.get<std::string>();
  }
  // A number, or a string holding a decimal or 0x-prefixed hex number.
  std::uint64_t number(const json& obj, const std::string& key) const {
    const json& v = at(obj, key);
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      try {
        size_t used = 0;
        std::uint64_t n = std::stoull(s, &used, 0);
        if (used == s.size()) return n;
      } catch (const std::exception&) {
      }
    }
    bad(key, "a non-negative number (\"0x...\" strings allowed)");
  }
  MemoryRegion region(const std::string& key) const {
    const json& r = at(j, key);
    if (!r.is_object()) bad(key, "an object with origin and size");
    return {number(r, "origin"), number(r, "size")};
  }
};

}  // namespace

std::map<std::string, Board> load_boards(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error(ExitCode::kBadInput, fmt::format("cannot read board data {}", path.string()));
  }
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
  if (!doc.is_object() || !doc.contains("boards") || !doc["boards"].is_object()) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: expected {{\"boards\": {{name: {{...}}}}}}", path.string()));
  }
  std::map<std::string, Board> boards;
  for (const auto& [name, j] : doc["boards"].items()) {
    Reader r{path, name, j};
    if (!j.is_object()) r.bad(name, "an object");
    Board b;
    b.name = name;
    b.description = r.str(j, "description", false);
    b.cpu = r.str(j, "cpu");
    const json& flags = r.at(j, "cflags");
    if (!flags.is_array()) r.bad("cflags", "a list of strings");
    for (const auto& f : flags) {
      if (!f.is_string()) r.bad("cflags", "a list of strings");
      b.cflags.push_back(f.get<std::string>());
    }
    b.fpu = j.value("fpu", false);
    b.flash = r.region("flash");
    b.ram = r.region("ram");
    const json& uart = r.at(j, "uart");
    b.uart_kind = r.str(uart, "kind");
    b.uart_base = r.number(uart, "base");
    b.timer = r.str(j, "timer");
    if (b.timer != "systick" && b.timer != "dwt") r.bad("timer", "\"systick\" or \"dwt\"");
    b.cpu_clock_hz = r.number(j, "cpu_clock_hz");
    if (auto q = j.find("qemu"); q != j.end() && q->is_object()) {
      b.qemu_machine = r.str(*q, "machine");
      b.qemu_cpu = r.str(*q, "cpu", false);
    }
    boards.emplace(name, std::move(b));
  }
  return boards;
}

Board find_board(const std::filesystem::path& path, const std::string& name) {
  auto boards = load_boards(path);
  auto it = boards.find(name);
  if (it != boards.end()) return it->second;
  std::string known;
  for (const auto& [n, b] : boards)
    known += (known.empty() ? "" : ", ") + n;
  throw Error(ExitCode::kOption,
              fmt::format("unknown board '{}' (baremetal boards: {})", name, known));
}

}  // namespace utvm::platforms::baremetal
