#include "board.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "utvm/common/error.h"
#include "utvm/transport/serial.h"

namespace utvm::platforms::zephyr {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const fs::path& path, const std::string& board, const std::string& what) {
  throw Error(ExitCode::kBadInput, fmt::format("{}: board '{}': {}", path.string(), board, what));
}

Board parse_board(const fs::path& path, const std::string& name, const json& j) {
  if (!j.is_object()) bad(path, name, "expected an object");
  Board b;
  b.name = name;
  auto str = [&](const char* key, bool required) -> std::string {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required) bad(path, name, fmt::format("missing \"{}\"", key));
      return {};
    }
    if (!it->is_string()) bad(path, name, fmt::format("\"{}\" must be a string", key));
    return it->get<std::string>();
  };
  auto boolean = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_boolean())
      bad(path, name, fmt::format("\"{}\" must be true or false", key));
    return it->get<bool>();
  };
  auto uint = [&](const char* key, bool required) -> std::optional<std::uint64_t> {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required) bad(path, name, fmt::format("missing \"{}\"", key));
      return std::nullopt;
    }
    if (!it->is_number_unsigned())
      bad(path, name, fmt::format("\"{}\" must be a non-negative integer", key));
    return it->get<std::uint64_t>();
  };
  if (std::string inner = str("board", false); !inner.empty() && inner != name)
    bad(path, name, fmt::format("\"board\" says '{}'", inner));
  b.zephyr_board = str("zephyr_board", false);
  if (b.zephyr_board.empty()) b.zephyr_board = name;
  b.model = str("model", true);
  b.arch = str("arch", true);
  b.is_qemu = boolean("is_qemu");
  b.fpu = boolean("fpu");
  std::string vid = str("vid_hex", false), pid = str("pid_hex", false);
  if (!vid.empty() || !pid.empty()) {
    b.vid = transport::parse_usb_id(vid);
    b.pid = transport::parse_usb_id(pid);
    if (!b.vid || !b.pid)
      bad(path, name, fmt::format("vid_hex/pid_hex '{}'/'{}' are not 4-digit hex", vid, pid));
  }
  b.flash_kib = *uint("flash_kib", true);
  b.ram_kib = *uint("ram_kib", true);
  b.baud = static_cast<unsigned>(uint("baud", false).value_or(115200));
  if (!transport::is_supported_baud(b.baud))
    bad(path, name, fmt::format("baud {} is not a rate termios supports", b.baud));
  b.recommended_heap_size_bytes = uint("recommended_heap_size_bytes", false);
  b.flash_runner = str("flash_runner", false);
  if (auto it = j.find("toolchain"); it != j.end()) {
    if (!it->is_object()) bad(path, name, "\"toolchain\" must be an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) bad(path, name, "\"toolchain\" must be an object of strings");
      b.toolchain[k] = v.get<std::string>();
    }
  }
  if (auto it = j.find("compile_options"); it != j.end()) {
    if (!it->is_array()) bad(path, name, "\"compile_options\" must be a list of strings");
    for (const auto& o : *it) {
      if (!o.is_string()) bad(path, name, "\"compile_options\" must be a list of strings");
      b.compile_options.push_back(o.get<std::string>());
    }
  }
  if (auto it = j.find("qemu"); it != j.end()) {
    const json& q = *it;
    if (!q.is_object() || !q.contains("binary") || !q["binary"].is_string() ||
        !q.contains("machine") || !q["machine"].is_string())
      bad(path, name, "\"qemu\" needs string \"binary\" and \"machine\"");
    QemuData d;
    d.binary = q["binary"].get<std::string>();
    d.machine = q["machine"].get<std::string>();
    if (q.contains("cpu") && q["cpu"].is_string()) d.cpu = q["cpu"].get<std::string>();
    if (q.contains("args")) {
      if (!q["args"].is_array()) bad(path, name, "\"qemu\".\"args\" must be a list of strings");
      for (const auto& a : q["args"]) {
        if (!a.is_string()) bad(path, name, "\"qemu\".\"args\" must be a list of strings");
        d.args.push_back(a.get<std::string>());
      }
    }
    b.qemu = d;
  }
  if (b.is_qemu && !b.qemu) bad(path, name, "is_qemu is true but there is no \"qemu\" entry");
  if (!b.is_qemu && !b.vid)
    bad(path, name, "a real board needs vid_hex/pid_hex to find its serial port");
  return b;
}

}  // namespace

std::map<std::string, Board> load_boards(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::kBadInput, fmt::format("cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  json j;
  try {
    j = json::parse(ss.str());
  } catch (const json::exception& e) {
    throw Error(ExitCode::kBadInput, fmt::format("{}: {}", path.string(), e.what()));
  }
  const json* boards = &j;
  if (j.is_object() && j.contains("boards")) boards = &j["boards"];
  if (!boards->is_object())
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: expected an object of boards", path.string()));
  std::map<std::string, Board> out;
  for (const auto& [name, value] : boards->items()) {
    if (name.rfind("comment", 0) == 0 || name.rfind("$", 0) == 0) continue;
    out.emplace(name, parse_board(path, name, value));
  }
  return out;
}

Board find_board(const fs::path& path, const std::string& name) {
  auto boards = load_boards(path);
  if (auto it = boards.find(name); it != boards.end()) return it->second;
  std::string known;
  for (const auto& [n, b] : boards)
    known += (known.empty() ? "" : ", ") + n;
  throw Error(ExitCode::kOption, fmt::format("unknown zephyr board '{}' (known: {})", name, known));
}

}  // namespace utvm::platforms::zephyr
