// Serial port enumeration through libserialport (kept apart from serial.cc so the termios
// transport does not depend on the library).
#include <libserialport.h>

#include <algorithm>

#include <fmt/format.h>

#include "utvm/transport/serial.h"

namespace utvm::transport {

std::vector<SerialPortInfo> list_serial_ports() {
  sp_port** ports = nullptr;
  sp_return rc = sp_list_ports(&ports);
  if (rc != SP_OK) {
    char* msg = sp_last_error_message();
    std::string text = msg ? msg : "unknown error";
    if (msg) sp_free_error_message(msg);
    throw Error(ExitCode::kTransport, fmt::format("listing serial ports failed: {}", text));
  }
  std::vector<SerialPortInfo> out;
  auto str = [](const char* s) { return s ? std::string(s) : std::string(); };
  for (sp_port** p = ports; p && *p; ++p) {
    SerialPortInfo info;
    info.path = str(sp_get_port_name(*p));
    info.description = str(sp_get_port_description(*p));
    if (sp_get_port_transport(*p) == SP_TRANSPORT_USB) {
      int vid = 0, pid = 0;
      if (sp_get_port_usb_vid_pid(*p, &vid, &pid) == SP_OK) {
        info.usb = true;
        info.vid = static_cast<std::uint16_t>(vid);
        info.pid = static_cast<std::uint16_t>(pid);
      }
      info.serial_number = str(sp_get_port_usb_serial(*p));
      info.manufacturer = str(sp_get_port_usb_manufacturer(*p));
      info.product = str(sp_get_port_usb_product(*p));
    }
    out.push_back(std::move(info));
  }
  sp_free_port_list(ports);
  std::sort(out.begin(), out.end(),
            [](const SerialPortInfo& a, const SerialPortInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace utvm::transport
