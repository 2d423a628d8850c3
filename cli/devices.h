// `utvm devices`: serial ports joined with the boards (from every platform's board data) whose
// USB VID/PID they carry (platforms::Board::usb).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "utvm/cli/platform_registry.h"
#include "utvm/transport/serial.h"

namespace utvm::cli {

// The USB identity a board's data declares, if any.
std::optional<transport::UsbMatch> board_usb_identity(const Board& board);

// {"schema_version": 1, "ports": [{"path", "description", "usb", "vid", "pid",
//   "serial_number", "manufacturer", "product", "boards": [{"platform", "name"}]}]}
nlohmann::json devices_json(const std::vector<transport::SerialPortInfo>& ports,
                            const std::vector<Board>& boards);

// The one port attached for `board` (optionally with `serial_number`); throws
// utvm::Error(kTransport) listing the candidates when there are none or several, and
// utvm::Error(kOption) when the board data has no USB identity.
transport::SerialPortInfo port_for_board(const std::vector<transport::SerialPortInfo>& ports,
                                         const Board& board,
                                         const std::optional<std::string>& serial_number);

}  // namespace utvm::cli
