#include "utvm/platforms/board.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "utvm/common/error.h"
#include "utvm/common/suggest.h"
#include "utvm/transport/serial.h"

namespace utvm::platforms {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

[[noreturn]] void bad_field(const fs::path& file, const std::string& board, const std::string& key,
                            const std::string& want) {
  throw Error(ExitCode::kBadInput,
              fmt::format("{}: board '{}': '{}' must be {}", file.string(), board, key, want));
}

bool ignored_key(const std::string& key) {
  return key.rfind("comment", 0) == 0 || key.rfind('$', 0) == 0 || key.rfind('_', 0) == 0;
}

// A number, or a string holding a decimal or 0x-prefixed hex number.
std::optional<std::uint64_t> as_number(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::uint64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  try {
    std::size_t used = 0;
    std::uint64_t n = std::stoull(s, &used, 0);
    if (used == s.size() && !s.empty() && s[0] != '-') return n;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

constexpr const char* kNumberWant = "a non-negative number (\"0x...\" strings allowed)";

// The common fields of one board entry, type-checked when present.
struct CommonReader {
  const fs::path& file;
  const std::string& name;
  const json& j;

  [[noreturn]] void bad(const std::string& key, const std::string& want) const {
    bad_field(file, name, key, want);
  }
  std::string str(const json& obj, const std::string& key, const std::string& label) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    if (!it->is_string()) bad(label, "a string");
    return it->get<std::string>();
  }
  std::optional<std::uint64_t> number(const json& obj, const std::string& key,
                                      const std::string& label) const {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    auto n = as_number(*it);
    if (!n) bad(label, kNumberWant);
    return n;
  }
  MemoryRegion region(const std::string& key) const {
    auto it = j.find(key);
    if (it == j.end()) return {};
    if (!it->is_object()) bad(key, "an object with origin and size");
    return {number(*it, "origin", key + ".origin").value_or(0),
            number(*it, "size", key + ".size").value_or(0)};
  }
  std::vector<std::string> strings(const json& obj, const std::string& key,
                                   const std::string& label) const {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end()) return out;
    if (!it->is_array()) bad(label, "a list of strings");
    for (const auto& s : *it) {
      if (!s.is_string()) bad(label, "a list of strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
};

Board read_board(const fs::path& file, const std::string& name, const json& j,
                 std::string_view platform) {
  CommonReader r{file, name, j};
  if (!j.is_object()) r.bad(name, "an object");
  Board b;
  b.name = name;
  b.data = j;
  b.description = r.str(j, "description", "description");
  b.cpu = r.str(j, "cpu", "cpu");
  b.arch = r.str(j, "arch", "arch");
  b.model = r.str(j, "model", "model");
  if (auto it = j.find("fpu"); it != j.end()) {
    if (!it->is_boolean()) r.bad("fpu", "true or false");
    b.fpu = it->get<bool>();
  }
  b.cpu_clock_hz = r.number(j, "cpu_clock_hz", "cpu_clock_hz").value_or(0);
  b.flash = r.region("flash");
  b.ram = r.region("ram");
  if (auto baud = r.number(j, "baud", "baud")) {
    b.baud = static_cast<unsigned>(*baud);
    if (*baud > 0xffffffffu || !transport::is_supported_baud(b.baud))
      r.bad("baud", "a rate termios supports");
  }
  const std::string vid = r.str(j, "vid_hex", "vid_hex"), pid = r.str(j, "pid_hex", "pid_hex");
  if (!vid.empty() || !pid.empty()) {
    auto v = transport::parse_usb_id(vid);
    auto p = transport::parse_usb_id(pid);
    if (!v) r.bad("vid_hex", "4 hex digits");
    if (!p) r.bad("pid_hex", "4 hex digits");
    b.usb = UsbId{*v, *p};
  }
  if (auto it = j.find("emulator"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) r.bad("emulator", "an object with kind and machine");
    Emulator e;
    e.kind = r.str(*it, "kind", "emulator.kind");
    if (e.kind != "qemu" && e.kind != "simavr") r.bad("emulator.kind", "\"qemu\" or \"simavr\"");
    e.binary = r.str(*it, "binary", "emulator.binary");
    e.machine = r.str(*it, "machine", "emulator.machine");
    if (e.machine.empty()) r.bad("emulator.machine", "a non-empty string");
    e.cpu = r.str(*it, "cpu", "emulator.cpu");
    e.args = r.strings(*it, "args", "emulator.args");
    b.emulator = std::move(e);
  }
  b.flash_runner = r.str(j, "flash_runner", "flash_runner");
  if (!platform.empty()) {
    if (auto it = j.find(std::string(platform)); it != j.end()) {
      if (!it->is_object()) r.bad(std::string(platform), "an object");
      b.platform_fields = *it;
    }
  }
  return b;
}

json read_file_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ExitCode::kBadInput, fmt::format("cannot read board data {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
}

}  // namespace

std::map<std::string, Board> load_boards(const fs::path& path, std::string_view platform) {
  const json doc = read_file_json(path);
  const json* table = &doc;
  if (doc.is_object() && doc.contains("boards")) table = &doc["boards"];
  std::map<std::string, Board> boards;
  if (table->is_object()) {
    for (const auto& [name, j] : table->items()) {
      if (ignored_key(name)) continue;
      boards.emplace(name, read_board(path, name, j, platform));
    }
  } else if (table->is_array()) {
    for (const auto& j : *table) {  // entries without a name are not boards (notes, ...)
      auto it = j.find("name");
      if (!j.is_object() || it == j.end() || !it->is_string()) continue;
      const std::string name = it->get<std::string>();
      boards.emplace(name, read_board(path, name, j, platform));
    }
  } else {
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: expected {{\"boards\": {{name: {{...}}}}}}", path.string()));
  }
  return boards;
}

Board find_board(const fs::path& path, std::string_view platform, const std::string& name) {
  auto boards = load_boards(path, platform);
  if (auto it = boards.find(name); it != boards.end()) return it->second;
  const auto known = board_names(boards);
  throw Error(ExitCode::kOption, fmt::format("unknown board '{}' ({} boards: {}){}", name, platform,
                                             fmt::join(known, ", "), did_you_mean(name, known)));
}

void BoardFields::bad(const std::string& key, const std::string& want) const {
  bad_field(file_, board_.name, key, want);
}

void BoardFields::require(bool present, const std::string& key) const {
  if (!present) bad(key, "present");
}

const json* BoardFields::field(const std::string& key, bool required) const {
  const json& own = board_.platform_fields;
  if (own.is_object()) {
    if (auto it = own.find(key); it != own.end()) return &*it;
  }
  if (required) bad(key, "present");
  return nullptr;
}

std::string BoardFields::str(const std::string& key, bool required) const {
  const json* v = field(key, required);
  if (v == nullptr) return {};
  if (!v->is_string()) bad(key, "a string");
  return v->get<std::string>();
}

std::uint64_t BoardFields::number(const std::string& key) const {
  auto n = as_number(*field(key));
  if (!n) bad(key, kNumberWant);
  return *n;
}

std::vector<std::string> BoardFields::strings(const std::string& key, bool required) const {
  std::vector<std::string> out;
  const json* v = field(key, required);
  if (v == nullptr) return out;
  if (!v->is_array()) bad(key, "a list of strings");
  for (const auto& s : *v) {
    if (!s.is_string()) bad(key, "a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> BoardFields::string_map(const std::string& key) const {
  std::map<std::string, std::string> out;
  const json* v = field(key, false);
  if (v == nullptr) return out;
  if (!v->is_object()) bad(key, "an object of strings");
  for (const auto& [k, s] : v->items()) {
    if (!s.is_string()) bad(key, "an object of strings");
    out[k] = s.get<std::string>();
  }
  return out;
}

std::string BoardFields::str_in(const json& obj, const std::string& key,
                                const std::string& sub) const {
  auto it = obj.find(sub);
  if (!obj.is_object() || it == obj.end() || !it->is_string()) bad(key + "." + sub, "a string");
  return it->get<std::string>();
}

std::uint64_t BoardFields::number_in(const json& obj, const std::string& key,
                                     const std::string& sub) const {
  auto it = obj.find(sub);
  std::optional<std::uint64_t> n;
  if (obj.is_object() && it != obj.end()) n = as_number(*it);
  if (!n) bad(key + "." + sub, kNumberWant);
  return *n;
}

}  // namespace utvm::platforms
