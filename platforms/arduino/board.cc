#include "board.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/server_util.h"
#include "utvm/transport/serial.h"

namespace utvm::platforms::arduino {
namespace {

using json = nlohmann::json;

// boards.json's fields; arduino's numbers are positive JSON integers.
struct Reader : BoardFieldReader {
  std::uint64_t number(const json& obj, const std::string& key) const {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() == 0)
      bad(key, "a positive integer");
    return it->get<std::uint64_t>();
  }
};

}  // namespace

std::map<std::string, Board> load_boards(const std::filesystem::path& path) {
  const json table = read_boards_json(path);
  std::map<std::string, Board> boards;
  for (const auto& [name, j] : table.items()) {
    Reader r{{path, name}};
    if (!j.is_object()) r.bad(name, "an object");
    Board b;
    b.name = name;
    b.description = r.str(j, "description", false);
    b.fqbn = r.str(j, "fqbn");
    if (std::count(b.fqbn.begin(), b.fqbn.end(), ':') < 2)
      r.bad("fqbn", "package:architecture:board[:options]");
    b.model = r.str(j, "model");
    b.arch = r.str(j, "arch");
    b.mcu = r.str(j, "mcu");
    b.cpu_clock_hz = r.number(j, "cpu_clock_hz");
    b.flash_bytes = r.number(j, "flash_bytes");
    b.ram_bytes = r.number(j, "ram_bytes");
    b.baud = static_cast<unsigned>(r.number(j, "baud"));
    if (j.contains("ram_start")) b.ram_start = r.number(j, "ram_start");
    const std::string vid = r.str(j, "vid_hex", false), pid = r.str(j, "pid_hex", false);
    if (!vid.empty() || !pid.empty()) {
      b.vid = transport::parse_usb_id(vid);
      b.pid = transport::parse_usb_id(pid);
      if (!b.vid) r.bad("vid_hex", "4 hex digits");
      if (!b.pid) r.bad("pid_hex", "4 hex digits");
    }
    if (auto a = j.find("avrdude"); a != j.end()) {
      if (!a->is_object()) r.bad("avrdude", "an object with part and programmer");
      b.avrdude_part = r.str(*a, "part");
      b.avrdude_programmer = r.str(*a, "programmer");
    }
    if (auto s = j.find("simavr"); s != j.end()) {
      if (!s->is_object()) r.bad("simavr", "an object with mcu");
      b.simavr_mcu = r.str(*s, "mcu");
    }
    if (b.is_avr() && b.avrdude_part.empty()) r.bad("avrdude", "present for an AVR board");
    b.note = r.str(j, "note", false);
    boards.emplace(name, std::move(b));
  }
  return boards;
}

Board find_board(const std::filesystem::path& path, const std::string& name) {
  auto boards = load_boards(path);
  auto it = boards.find(name);
  if (it != boards.end()) return it->second;
  unknown_board(name, "arduino", board_names(boards));
}

}  // namespace utvm::platforms::arduino
