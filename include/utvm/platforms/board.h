// The one board model: what every platform's boards.json says about a board, read once into a
// typed `Board` by one reader, for the platform servers, `utvm boards` (and `--fits`) and
// `utvm devices` alike. One schema for every platform (docs/architecture.md, "Board data"):
//
//   {"boards": {NAME: {"description", "cpu", "arch", "fpu", "cpu_clock_hz",
//                      "flash": {"origin", "size"}, "ram": {"origin", "size"},   (bytes)
//                      "baud", "vid_hex", "pid_hex", "model", "flash_runner",
//                      "emulator": {"kind", "binary", "machine", "cpu", "args"},
//                      PLATFORM: {...the platform's own fields...}}}}
//
// Every field is optional here and type-checked when present; a platform requires what it needs
// (`BoardFields`). Numbers may be written as decimal or "0x..." strings. Keys starting with
// "comment", "$" or "_" are ignored, as are the fields of other tools (TVM's "board",
// "package", ...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace utvm::platforms {

struct MemoryRegion {
  std::uint64_t origin = 0;
  std::uint64_t size = 0;  // bytes; 0 = the board has no such region apart, or its data is silent
};

// How the board is emulated on the host: QEMU (binary, machine, cpu, extra args) or simavr
// (machine is the MCU it simulates).
struct Emulator {
  std::string kind;  // "qemu" | "simavr"
  std::string binary;
  std::string machine;
  std::string cpu;
  std::vector<std::string> args;
};

struct UsbId {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
};

struct Board {
  std::string name;
  std::string description;
  std::string cpu;    // the core or MCU: cortex-m3, atmega2560
  std::string arch;   // armv7-m, avr, arm, x86, ...
  std::string model;  // TVM's target model (-model=...), where the platform has one
  bool fpu = false;
  std::uint64_t cpu_clock_hz = 0;
  MemoryRegion flash, ram;
  unsigned baud = 115200;
  std::optional<UsbId> usb;  // "vid_hex"/"pid_hex": the USB identity of its serial port
  std::optional<Emulator> emulator;
  std::string flash_runner;  // the flashing tool the platform defaults to, if it has a choice
  // The platform's own fields: the object under the platform's name (null when there is none).
  nlohmann::json platform_fields;
  // The board's entry as written (what `utvm boards --json` shows and FILTER searches).
  nlohmann::json data;
};

// Every board in `path`, by name, with `platform`'s own fields taken from the object under that
// name. Accepted files: {"boards": {NAME: {...}}}, {NAME: {...}} or [{"name": NAME, ...}] (entries
// without a string name are skipped).
// Throws utvm::Error(kBadInput) "<file>: board '<name>': '<key>' must be <what>" for a mistyped
// field, and naming the file when it cannot be read or is not so shaped.
std::map<std::string, Board> load_boards(const std::filesystem::path& path,
                                         std::string_view platform);

// The board `name` of `path`; utvm::Error(kOption) "unknown board '<name>' (<platform> boards:
// <known>)" when there is none.
Board find_board(const std::filesystem::path& path, std::string_view platform,
                 const std::string& name);

// A platform's strict reading of one board: what it requires of the common fields and its own
// fields (`board.platform_fields`), with the same error texts as load_boards.
class BoardFields {
 public:
  BoardFields(const std::filesystem::path& file, const Board& board) : file_(file), board_(board) {}

  [[noreturn]] void bad(const std::string& key, const std::string& want) const;
  // Fails with bad(key, "present") unless `present`.
  void require(bool present, const std::string& key) const;

  // The platform's own field `key` (nullptr when missing and not `required`).
  const nlohmann::json* field(const std::string& key, bool required = true) const;
  std::string str(const std::string& key, bool required = true) const;
  std::uint64_t number(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key, bool required = true) const;
  std::map<std::string, std::string> string_map(const std::string& key) const;
  // A sub-object's string / number (`key` names it in errors as "key.sub").
  std::string str_in(const nlohmann::json& obj, const std::string& key,
                     const std::string& sub) const;
  std::uint64_t number_in(const nlohmann::json& obj, const std::string& key,
                          const std::string& sub) const;

 private:
  const std::filesystem::path& file_;
  const Board& board_;
};

// A platform's board table: the name its own fields go under in boards.json and its strict reading
// of one board, `read(board, fields)`: `board` (its own `struct Board : platforms::Board`) arrives
// holding the common fields; `read` checks what the platform requires with `fields` and fills in
// its own. The one place a platform's boards are loaded and found; board_option, generate_board
// and project_board take it.
template <class PlatformBoard>
struct BoardSchema {
  std::string_view platform;
  void (*read)(PlatformBoard& board, const BoardFields& fields);

  // Every board of `file`, by name (load_boards' errors).
  std::map<std::string, PlatformBoard> load(const std::filesystem::path& file) const {
    std::map<std::string, PlatformBoard> boards;
    for (const auto& [name, common] : load_boards(file, platform))
      boards.emplace(name, from(file, common));
    return boards;
  }
  // The board `name` of `file` (find_board's errors).
  PlatformBoard find(const std::filesystem::path& file, const std::string& name) const {
    return from(file, find_board(file, platform, name));
  }
  // `common` (a board of `file`) read strictly into the platform's type.
  PlatformBoard from(const std::filesystem::path& file, const Board& common) const {
    PlatformBoard board;
    static_cast<Board&>(board) = common;
    read(board, BoardFields(file, common));
    return board;
  }
};

// The names of a board table (load_boards' or a platform's), in order.
template <class AnyBoard>
std::vector<std::string> board_names(const std::map<std::string, AnyBoard>& boards) {
  std::vector<std::string> names;
  for (const auto& [name, board] : boards)
    names.push_back(name);
  return names;
}

}  // namespace utvm::platforms
