// Serial ports: finding the one a board is attached to (by USB identity, through libserialport)
// and talking to it (termios, raw 8N1).
//
// Promises:
//  - list_serial_ports() never opens a port; it reports what the OS knows (path, description,
//    USB VID/PID/serial when the port is USB).
//  - find_serial_port() refuses to guess: no match or several matches throw utvm::Error(kTransport)
//    naming the candidates and the option that picks one (serial_number).
//  - SerialPort is a ByteStream: a passed deadline throws TransportTimeout; a port that vanished
//    (unplugged, re-enumerating, pty master closed) throws utvm::Error(kTransport,
//    "... disappeared"), never hangs and never raises SIGPIPE/SIGHUP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "utvm/transport/byte_stream.h"

namespace utvm::transport {

struct SerialPortInfo {
  std::string path;         // /dev/ttyACM0
  std::string description;  // libserialport's description ("STM32 STLink - ST-Link VCP Data")
  bool usb = false;
  std::uint16_t vid = 0, pid = 0;  // valid when usb
  std::string serial_number;       // USB iSerial, may be empty
  std::string manufacturer, product;
};

// Every serial port the OS lists, sorted by path. Throws utvm::Error(kTransport) only when
// libserialport itself fails.
std::vector<SerialPortInfo> list_serial_ports();

// A USB identity to look for: vendor/product and optionally the adapter's serial number.
struct UsbMatch {
  std::uint16_t vid = 0, pid = 0;
  std::optional<std::string> serial_number;  // compared exactly when given
};

// "0483" / "0x0483" / "483" → 0x0483; nullopt for anything that is not 1-4 hex digits.
std::optional<std::uint16_t> parse_usb_id(const std::string& text);

// The ports that match (pure: no I/O).
std::vector<SerialPortInfo> match_serial_ports(const std::vector<SerialPortInfo>& ports,
                                               const UsbMatch& match);

// Exactly one matching port, else utvm::Error(kTransport) whose message lists the candidates (or
// all ports when none match) and tells the user to choose with `option_hint` (e.g.
// "--project-option serial_number=SN"). `what` names the board in the message.
SerialPortInfo find_serial_port(const std::vector<SerialPortInfo>& ports, const UsbMatch& match,
                                const std::string& what, const std::string& option_hint);

// Polls `lister` (default list_serial_ports) until exactly one port matches or `timeout` passes:
// boards re-enumerate after a flash. Several matches fail at once (as find_serial_port).
SerialPortInfo wait_for_serial_port(
    const UsbMatch& match, const std::string& what, const std::string& option_hint,
    std::chrono::milliseconds timeout,
    const std::function<std::vector<SerialPortInfo>()>& lister = list_serial_ports);

// "vid:pid" as lower-case 4-digit hex ("0483:374b").
std::string usb_id_string(std::uint16_t vid, std::uint16_t pid);

class SerialPort : public ByteStream {
 public:
  // Opens `path` raw 8N1 at `baud` without becoming its controlling terminal. Throws
  // utvm::Error(kOption) for a baud rate termios cannot set, utvm::Error(kTransport) when the
  // port cannot be opened or configured.
  SerialPort(const std::string& path, unsigned baud);
  ~SerialPort() override;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  void write(std::span<const std::uint8_t> data,
             std::chrono::steady_clock::time_point deadline) override;
  std::size_t read(std::span<std::uint8_t> buf,
                   std::chrono::steady_clock::time_point deadline) override;
  // Drops bytes received but not read (stale output from before the session).
  void discard_input();

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  [[noreturn]] void vanished(const char* what, int err);
  std::string path_;
  int fd_ = -1;
};

// True when termios has a constant for this rate.
bool is_supported_baud(unsigned baud);

}  // namespace utvm::transport
