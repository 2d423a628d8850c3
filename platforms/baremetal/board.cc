#include "board.h"

#include <nlohmann/json.hpp>

#include "common/server_util.h"

namespace utvm::platforms::baremetal {
namespace {

using json = nlohmann::json;

// boards.json's fields of the board `j`; baremetal's numbers may be "0x..." strings.
struct Reader : BoardFieldReader {
  const json& j;

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
  const json table = read_boards_json(path);
  std::map<std::string, Board> boards;
  for (const auto& [name, j] : table.items()) {
    Reader r{{path, name}, j};
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
  unknown_board(name, "baremetal", board_names(boards));
}

}  // namespace utvm::platforms::baremetal
