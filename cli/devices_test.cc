// `utvm devices` data side: ports joined with board data by USB identity, and --board refusing
// to guess between several attached boards.
#include <gtest/gtest.h>

#include "devices.h"

namespace utvm::cli {
namespace {

transport::SerialPortInfo usb(std::string path, std::uint16_t vid, std::uint16_t pid,
                              std::string sn) {
  transport::SerialPortInfo p;
  p.path = std::move(path);
  p.usb = true;
  p.vid = vid;
  p.pid = pid;
  p.serial_number = std::move(sn);
  p.description = "ST-Link VCP";
  return p;
}

Board board(std::string platform, std::string name, std::optional<platforms::UsbId> usb) {
  Board b;
  b.platform = std::move(platform);
  b.name = std::move(name);
  b.usb = usb;
  return b;
}

std::vector<Board> boards() {
  return {
      board("zephyr", "nucleo_f746zg", platforms::UsbId{0x0483, 0x374b}),
      board("zephyr", "stm32f746g_disco", platforms::UsbId{0x0483, 0x374b}),
      board("zephyr", "qemu_cortex_m3", std::nullopt),
      board("arduino", "due", platforms::UsbId{0x2341, 0x003d}),
  };
}

TEST(Devices, JoinsPortsWithBoardsByUsbIdentity) {
  transport::SerialPortInfo uart;
  uart.path = "/dev/ttyS0";
  auto doc = devices_json(
      {usb("/dev/ttyACM0", 0x0483, 0x374b, "ST1"), usb("/dev/ttyACM1", 0x2341, 0x003d, ""), uart},
      boards());
  ASSERT_EQ(doc["ports"].size(), 3u);
  const auto& st = doc["ports"][0];
  EXPECT_EQ(st["vid"], "0483");
  EXPECT_EQ(st["pid"], "374b");
  EXPECT_EQ(st["serial_number"], "ST1");
  ASSERT_EQ(st["boards"].size(), 2u);
  EXPECT_EQ(st["boards"][0]["name"], "nucleo_f746zg");
  EXPECT_EQ(st["boards"][1]["name"], "stm32f746g_disco");
  EXPECT_EQ(doc["ports"][1]["boards"][0]["name"], "due");
  EXPECT_TRUE(doc["ports"][2]["boards"].empty());
  EXPECT_TRUE(doc["ports"][2]["vid"].is_null());
}

TEST(Devices, BoardPortRefusesToGuess) {
  std::vector<transport::SerialPortInfo> ports = {usb("/dev/ttyACM0", 0x0483, 0x374b, "ST1"),
                                                  usb("/dev/ttyACM1", 0x0483, 0x374b, "ST2")};
  const Board nucleo = boards()[0];
  try {
    port_for_board(ports, nucleo, std::nullopt);
    ADD_FAILURE();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("/dev/ttyACM0"), std::string::npos) << m;
    EXPECT_NE(m.find("/dev/ttyACM1"), std::string::npos) << m;
    EXPECT_NE(m.find("--serial-number"), std::string::npos) << m;
  }
  EXPECT_EQ(port_for_board(ports, nucleo, "ST2").path, "/dev/ttyACM1");
  try {
    port_for_board(ports, boards()[2], std::nullopt);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
  }
}

}  // namespace
}  // namespace utvm::cli
