// `utvm devices [--json] [--board NAME [--serial-number SN]]`: the serial ports attached (through
// libserialport) with their USB identity and the boards they can be; with --board, the single
// port for that board, refusing to guess when several match.
#include <fmt/core.h>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "devices.h"
#include "utvm/common/error.h"

namespace utvm::cli {

std::optional<transport::UsbMatch> board_usb_identity(const Board& board) {
  if (!board.usb) return std::nullopt;
  return transport::UsbMatch{board.usb->vid, board.usb->pid, std::nullopt};
}

nlohmann::json devices_json(const std::vector<transport::SerialPortInfo>& ports,
                            const std::vector<Board>& boards) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& port : ports) {
    nlohmann::json matched = nlohmann::json::array();
    if (port.usb) {
      for (const auto& b : boards) {
        auto id = board_usb_identity(b);
        if (id && id->vid == port.vid && id->pid == port.pid)
          matched.push_back({{"platform", b.platform}, {"name", b.name}});
      }
    }
    out.push_back({
        {"path", port.path},
        {"description", port.description},
        {"usb", port.usb},
        {"vid", port.usb ? nlohmann::json(fmt::format("{:04x}", port.vid)) : nlohmann::json()},
        {"pid", port.usb ? nlohmann::json(fmt::format("{:04x}", port.pid)) : nlohmann::json()},
        {"serial_number", port.serial_number},
        {"manufacturer", port.manufacturer},
        {"product", port.product},
        {"boards", matched},
    });
  }
  return {{"schema_version", 1}, {"ports", out}};
}

transport::SerialPortInfo port_for_board(const std::vector<transport::SerialPortInfo>& ports,
                                         const Board& board,
                                         const std::optional<std::string>& serial_number) {
  auto id = board_usb_identity(board);
  if (!id) {
    throw Error(ExitCode::kOption,
                fmt::format("board {} ({}) has no USB identity in its board data (emulated "
                            "board?)",
                            board.name, board.platform));
  }
  id->serial_number = serial_number;
  return transport::find_serial_port(
      ports, *id, "board " + board.name,
      "--serial-number SN (utvm devices --board " + board.name + " --serial-number SN)");
}

}  // namespace utvm::cli

namespace {

std::vector<utvm::cli::Board> all_boards() {
  std::vector<utvm::cli::Board> boards;
  for (const auto& p : utvm::cli::list_platforms()) {
    try {
      for (auto& b : utvm::cli::read_boards(p))
        boards.push_back(std::move(b));
    } catch (const utvm::Error& e) {
      std::fprintf(stderr, "warning: %s\n", e.what());
    }
  }
  return boards;
}

void print_table(const nlohmann::json& doc) {
  const auto& ports = doc["ports"];
  if (ports.empty()) {
    std::fputs(
        "no serial ports found (is the board plugged in? on Linux: ls /dev/ttyACM* "
        "/dev/ttyUSB*)\n",
        stderr);
    return;
  }
  std::size_t wp = 4;
  for (const auto& p : ports)
    wp = std::max(wp, p["path"].get<std::string>().size());
  std::fputs(fmt::format("{:<{}}  {:<9}  {:<20}  {:<28}  {}\n", "PORT", wp, "VID:PID", "SERIAL",
                         "DESCRIPTION", "BOARDS")
                 .c_str(),
             stdout);
  for (const auto& p : ports) {
    std::string id = p["usb"].get<bool>()
                         ? p["vid"].get<std::string>() + ":" + p["pid"].get<std::string>()
                         : "-";
    std::string boards;
    for (const auto& b : p["boards"])
      boards += (boards.empty() ? "" : ", ") + b["platform"].get<std::string>() + "/" +
                b["name"].get<std::string>();
    std::string serial = p["serial_number"].get<std::string>();
    std::fputs(fmt::format("{:<{}}  {:<9}  {:<20}  {:<28}  {}\n", p["path"].get<std::string>(), wp,
                           id, serial.empty() ? "-" : serial, p["description"].get<std::string>(),
                           boards.empty() ? "-" : boards)
                   .c_str(),
               stdout);
  }
}

}  // namespace

void register_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "devices", "List serial ports with their USB identity and the boards they match");
  auto json = std::make_shared<bool>(false);
  auto board = std::make_shared<std::string>();
  auto serial = std::make_shared<std::string>();
  cmd->add_flag("--json", *json, "Print JSON (schema_version 1) instead of a table");
  cmd->add_option("--board", *board,
                  "Print the one port this board is attached to (fails listing the candidates "
                  "when several match)");
  cmd->add_option("--serial-number", *serial,
                  "With --board: the USB serial number that picks one of several boards");
  cmd->footer(
      "Examples:\n"
      "  utvm devices\n"
      "  utvm devices --json\n"
      "  utvm devices --board nucleo_f746zg --serial-number 066DFF495150");
  cmd->callback([json, board, serial] {
    auto ports = utvm::transport::list_serial_ports();
    auto boards = all_boards();
    if (!board->empty()) {
      auto it = std::find_if(boards.begin(), boards.end(),
                             [&](const utvm::cli::Board& b) { return b.name == *board; });
      if (it == boards.end()) {
        throw utvm::Error(utvm::ExitCode::kUsage,
                          fmt::format("unknown board '{}' (see `utvm boards`)", *board));
      }
      std::optional<std::string> sn;
      if (!serial->empty()) sn = *serial;
      auto port = utvm::cli::port_for_board(ports, *it, sn);
      if (*json) {
        auto doc = utvm::cli::devices_json({port}, boards);
        std::puts(doc["ports"][0].dump(2).c_str());
      } else {
        std::puts(port.path.c_str());
      }
      return;
    }
    auto doc = utvm::cli::devices_json(ports, boards);
    if (*json) {
      std::puts(doc.dump(2).c_str());
    } else {
      print_table(doc);
    }
  });
}
