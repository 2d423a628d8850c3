// The serial transport against a pseudo-terminal pair: utvm opens the slave side as it would a
// /dev/ttyACM port, a fake device thread drives the master side. Also USB identity matching.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "utvm/transport/serial.h"

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A pty pair; the master is the fake device's end.
struct Pty {
  int master = -1;
  std::string slave_path;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return;
    const char* name = ptsname(master);
    if (name) slave_path = name;
  }
  ~Pty() { close_master(); }
  void close_master() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  bool ok() const { return master >= 0 && !slave_path.empty(); }
};

// Reads from the master until `n` bytes arrived or 2 s passed.
std::vector<std::uint8_t> master_read(int fd, std::size_t n) {
  std::vector<std::uint8_t> out;
  auto deadline = Clock::now() + 2s;
  while (out.size() < n && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    std::uint8_t buf[256];
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r <= 0) break;
    out.insert(out.end(), buf, buf + r);
  }
  return out;
}

std::vector<std::uint8_t> read_exactly(SerialPort& port, std::size_t n,
                                       Clock::duration timeout = 2s) {
  std::vector<std::uint8_t> out(n);
  std::size_t got = 0;
  auto deadline = Clock::now() + timeout;
  while (got < n)
    got += port.read(std::span<std::uint8_t>(out).subspan(got), deadline);
  return out;
}

TEST(SerialPort, RoundTripsThroughAnEchoingDevice) {
  Pty pty;
  ASSERT_TRUE(pty.ok());
  SerialPort port(pty.slave_path, 115200);
  std::atomic<bool> stop{false};
  std::thread device([&] {  // echoes every byte back, +1
    while (!stop) {
      pollfd p{pty.master, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      std::uint8_t buf[64];
      ssize_t r = ::read(pty.master, buf, sizeof buf);
      if (r <= 0) return;
      for (ssize_t i = 0; i < r; ++i)
        buf[i] = static_cast<std::uint8_t>(buf[i] + 1);
      if (::write(pty.master, buf, static_cast<size_t>(r)) != r) return;
    }
  });
  std::vector<std::uint8_t> msg(1000);
  for (std::size_t i = 0; i < msg.size(); ++i)
    msg[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::uint8_t> back;
  try {
    port.write(msg, Clock::now() + 2s);
    back = read_exactly(port, msg.size());
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  stop = true;
  device.join();
  ASSERT_EQ(back.size(), msg.size());
  for (std::size_t i = 0; i < msg.size(); ++i)
    ASSERT_EQ(back[i], static_cast<std::uint8_t>(msg[i] + 1)) << "byte " << i;
}

TEST(SerialPort, IsRawEveryByteValuePassesUntouched) {
  Pty pty;
  ASSERT_TRUE(pty.ok());
  SerialPort port(pty.slave_path, 921600);
  // Garbage including the bytes a cooked tty would eat or translate: ^C, ^S/^Q, CR, ^D, DEL.
  std::vector<std::uint8_t> garbage;
  for (int i = 0; i < 256; ++i)
    garbage.push_back(static_cast<std::uint8_t>(255 - i));
  ASSERT_EQ(::write(pty.master, garbage.data(), garbage.size()),
            static_cast<ssize_t>(garbage.size()));
  EXPECT_EQ(read_exactly(port, garbage.size()), garbage);
  // And the other way: nothing is echoed or translated on the way to the device.
  port.write(garbage, Clock::now() + 2s);
  EXPECT_EQ(master_read(pty.master, garbage.size()), garbage);
  // No echo came back to us.
  std::uint8_t b;
  EXPECT_THROW(port.read(std::span<std::uint8_t>(&b, 1), Clock::now() + 50ms), TransportTimeout);
}

TEST(SerialPort, SilentDeviceTimesOutAtTheDeadline) {
  Pty pty;
  ASSERT_TRUE(pty.ok());
  SerialPort port(pty.slave_path, 115200);
  std::uint8_t buf[4];
  auto start = Clock::now();
  EXPECT_THROW(port.read(buf, start + 200ms), TransportTimeout);
  EXPECT_GE(Clock::now() - start, 190ms);
  // A timeout is not fatal: bytes that arrive later are read.
  ASSERT_EQ(::write(pty.master, "ok", 2), 2);
  EXPECT_EQ(read_exactly(port, 2), (std::vector<std::uint8_t>{'o', 'k'}));
}

TEST(SerialPort, DeviceThatDisappearsIsReportedNotHung) {
  Pty pty;
  ASSERT_TRUE(pty.ok());
  SerialPort port(pty.slave_path, 115200);
  std::thread device([&] {
    std::this_thread::sleep_for(100ms);
    pty.close_master();  // unplugged mid-read
  });
  std::uint8_t buf[4];
  auto start = Clock::now();
  try {
    port.read(buf, start + 10s);
    ADD_FAILURE() << "read returned after the device went away";
  } catch (const TransportTimeout&) {
    ADD_FAILURE() << "a vanished device must not look like a timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("disappeared"), std::string::npos) << e.what();
  }
  device.join();
  EXPECT_LT(Clock::now() - start, 5s);
  // Writing to it fails the same way (no SIGPIPE/SIGHUP kills the test).
  std::uint8_t data[3] = {1, 2, 3};
  EXPECT_THROW(port.write(data, Clock::now() + 1s), Error);
}

TEST(SerialPort, BadBaudAndBadPathsAreUserErrors) {
  Pty pty;
  ASSERT_TRUE(pty.ok());
  try {
    SerialPort port(pty.slave_path, 12345);
    ADD_FAILURE() << "baud 12345 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kOption);
    EXPECT_NE(std::string(e.what()).find("115200"), std::string::npos) << e.what();
  }
  try {
    SerialPort port("/dev/utvm-no-such-port", 115200);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    EXPECT_NE(std::string(e.what()).find("/dev/utvm-no-such-port"), std::string::npos);
  }
  auto file = std::filesystem::temp_directory_path() / "utvm_serial_test_not_a_tty";
  std::ofstream(file) << "x";
  EXPECT_THROW(SerialPort(file.string(), 115200), Error);
  std::filesystem::remove(file);
  EXPECT_TRUE(is_supported_baud(115200));
  EXPECT_FALSE(is_supported_baud(0));
}

SerialPortInfo usb_port(std::string path, std::uint16_t vid, std::uint16_t pid,
                        std::string serial) {
  SerialPortInfo p;
  p.path = std::move(path);
  p.usb = true;
  p.vid = vid;
  p.pid = pid;
  p.serial_number = std::move(serial);
  p.description = "test port";
  return p;
}

TEST(SerialMatch, ParsesUsbIds) {
  EXPECT_EQ(parse_usb_id("0483"), 0x0483);
  EXPECT_EQ(parse_usb_id("0x374B"), 0x374b);
  EXPECT_EQ(parse_usb_id("1"), 1);
  EXPECT_FALSE(parse_usb_id(""));
  EXPECT_FALSE(parse_usb_id("12345"));
  EXPECT_FALSE(parse_usb_id("04g3"));
  EXPECT_EQ(usb_id_string(0x483, 0x374b), "0483:374b");
}

TEST(SerialMatch, MatchesByVidPidAndSerial) {
  std::vector<SerialPortInfo> ports = {
      usb_port("/dev/ttyACM0", 0x0483, 0x374b, "ST1"),
      usb_port("/dev/ttyACM1", 0x0483, 0x374b, "ST2"),
      usb_port("/dev/ttyACM2", 0x1366, 0x1055, "J1"),
  };
  SerialPortInfo not_usb;
  not_usb.path = "/dev/ttyS0";
  ports.push_back(not_usb);

  auto one = find_serial_port(ports, {0x1366, 0x1055, std::nullopt}, "nrf5340dk", "--opt");
  EXPECT_EQ(one.path, "/dev/ttyACM2");
  auto chosen = find_serial_port(ports, {0x0483, 0x374b, "ST2"}, "nucleo_f746zg", "--opt");
  EXPECT_EQ(chosen.path, "/dev/ttyACM1");
  EXPECT_EQ(match_serial_ports(ports, {0x0483, 0x374b, std::nullopt}).size(), 2u);
  EXPECT_TRUE(match_serial_ports(ports, {0x0483, 0x374b, "nope"}).empty());
}

TEST(SerialMatch, RefusesToGuessBetweenSeveralPorts) {
  std::vector<SerialPortInfo> ports = {usb_port("/dev/ttyACM0", 0x0483, 0x374b, "ST1"),
                                       usb_port("/dev/ttyACM1", 0x0483, 0x374b, "ST2")};
  try {
    find_serial_port(ports, {0x0483, 0x374b, std::nullopt}, "board nucleo_f746zg",
                     "--project-option serial_number=SN");
    ADD_FAILURE();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.code(), ExitCode::kTransport);
    for (const char* want :
         {"/dev/ttyACM0", "/dev/ttyACM1", "ST1", "ST2", "serial_number=SN", "refusing to guess"})
      EXPECT_NE(m.find(want), std::string::npos) << want << " not in: " << m;
  }
  try {
    find_serial_port(ports, {0x1366, 0x0105, std::nullopt}, "board mimxrt1050_evk", "--x");
    ADD_FAILURE();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("1366:0105"), std::string::npos) << m;
    EXPECT_NE(m.find("/dev/ttyACM0"), std::string::npos) << "lists what it saw: " << m;
  }
}

TEST(SerialMatch, WaitsForABoardThatReEnumerates) {
  int calls = 0;
  auto lister = [&] {
    ++calls;
    std::vector<SerialPortInfo> v;
    if (calls >= 3) v.push_back(usb_port("/dev/ttyACM7", 0x0483, 0x374e, "U5"));
    return v;
  };
  auto p = wait_for_serial_port({0x0483, 0x374e, "U5"}, "b_u585i_iot02a", "--x", 5s, lister);
  EXPECT_EQ(p.path, "/dev/ttyACM7");
  EXPECT_GE(calls, 3);
  auto never = [] { return std::vector<SerialPortInfo>{}; };
  EXPECT_THROW(wait_for_serial_port({1, 2, std::nullopt}, "x", "--x", 200ms, never), Error);
}

TEST(SerialMatch, ListingPortsDoesNotFail) {
  // Whatever this machine has (often nothing), listing works and every entry has a path.
  for (const auto& p : list_serial_ports())
    EXPECT_FALSE(p.path.empty());
}

}  // namespace
}  // namespace utvm::transport
