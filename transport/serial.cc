#include "utvm/transport/serial.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace utvm::transport {
namespace {

using Clock = std::chrono::steady_clock;

struct BaudEntry {
  unsigned rate;
  speed_t constant;
};

constexpr BaudEntry kBauds[] = {
    {1200, B1200},       {2400, B2400},       {4800, B4800},       {9600, B9600},
    {19200, B19200},     {38400, B38400},     {57600, B57600},     {115200, B115200},
    {230400, B230400},   {460800, B460800},   {500000, B500000},   {576000, B576000},
    {921600, B921600},   {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
    {2000000, B2000000}, {3000000, B3000000}, {4000000, B4000000},
};

std::optional<speed_t> baud_constant(unsigned baud) {
  for (const auto& e : kBauds)
    if (e.rate == baud) return e.constant;
  return std::nullopt;
}

// Waits for `events`; false when the deadline passed. Hang-ups count as ready (the syscall
// that follows reports them).
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, left > 1'000'000 ? 1'000'000 : static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;
  }
}

bool is_gone(int err) {
  return err == EIO || err == ENXIO || err == ENODEV || err == EBADF || err == EPIPE ||
         err == ECONNRESET;
}

std::string describe(const SerialPortInfo& p) {
  std::string s = p.path;
  if (p.usb) s += fmt::format("  usb {}", usb_id_string(p.vid, p.pid));
  if (!p.serial_number.empty()) s += fmt::format("  serial {}", p.serial_number);
  if (!p.description.empty()) s += fmt::format("  ({})", p.description);
  return s;
}

}  // namespace

bool is_supported_baud(unsigned baud) {
  return baud_constant(baud).has_value();
}

std::string usb_id_string(std::uint16_t vid, std::uint16_t pid) {
  return fmt::format("{:04x}:{:04x}", vid, pid);
}

std::optional<std::uint16_t> parse_usb_id(const std::string& text) {
  std::string s = text;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s = s.substr(2);
  if (s.empty() || s.size() > 4) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = v * 16 + static_cast<unsigned>(d);
  }
  return static_cast<std::uint16_t>(v);
}

std::vector<SerialPortInfo> match_serial_ports(const std::vector<SerialPortInfo>& ports,
                                               const UsbMatch& match) {
  std::vector<SerialPortInfo> out;
  for (const auto& p : ports) {
    if (!p.usb || p.vid != match.vid || p.pid != match.pid) continue;
    if (match.serial_number && p.serial_number != *match.serial_number) continue;
    out.push_back(p);
  }
  return out;
}

SerialPortInfo find_serial_port(const std::vector<SerialPortInfo>& ports, const UsbMatch& match,
                                const std::string& what, const std::string& option_hint) {
  auto found = match_serial_ports(ports, match);
  if (found.size() == 1) return found.front();
  std::string wanted = usb_id_string(match.vid, match.pid);
  if (match.serial_number) wanted += " with serial number " + *match.serial_number;
  std::string list;
  if (found.empty()) {
    for (const auto& p : ports)
      list += "\n  " + describe(p);
    throw Error(ExitCode::kTransport,
                fmt::format("no serial port of {} (USB {}) is attached; ports seen:{}", what,
                            wanted, list.empty() ? std::string(" none") : list));
  }
  for (const auto& p : found)
    list += "\n  " + describe(p);
  throw Error(ExitCode::kTransport,
              fmt::format("{} serial ports match {} (USB {}); refusing to guess:{}\nchoose one "
                          "with {}",
                          found.size(), what, wanted, list, option_hint));
}

SerialPortInfo wait_for_serial_port(const UsbMatch& match, const std::string& what,
                                    const std::string& option_hint,
                                    std::chrono::milliseconds timeout,
                                    const std::function<std::vector<SerialPortInfo>()>& lister) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto ports = lister();
    auto found = match_serial_ports(ports, match);
    if (found.size() == 1) return found.front();
    if (found.size() > 1 || Clock::now() >= deadline) {
      return find_serial_port(ports, match, what, option_hint);  // throws with the details
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

SerialPort::SerialPort(const std::string& path, unsigned baud) : path_(path) {
  ignore_sigpipe();
  auto speed = baud_constant(baud);
  if (!speed) {
    std::string known;
    for (const auto& e : kBauds)
      known += (known.empty() ? "" : ", ") + std::to_string(e.rate);
    throw Error(ExitCode::kOption,
                fmt::format("serial port {}: baud rate {} is not supported (one of {})", path, baud,
                            known));
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    int err = errno;
    throw Error(ExitCode::kTransport,
                fmt::format("cannot open serial port {}: {}{}", path, strerror(err),
                            err == EACCES ? " (is your user in the 'dialout' group?)" : ""));
  }
  termios tio{};
  if (tcgetattr(fd_, &tio) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error(ExitCode::kTransport,
                fmt::format("serial port {}: not a terminal ({})", path, strerror(err)));
  }
  cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(CSTOPB | CRTSCTS | PARENB);
  tio.c_cc[VMIN] = 1;  // with O_NONBLOCK: EAGAIN when empty (VMIN=0 would read 0 = EOF)
  tio.c_cc[VTIME] = 0;
  cfsetispeed(&tio, *speed);
  cfsetospeed(&tio, *speed);
  if (tcsetattr(fd_, TCSANOW, &tio) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error(ExitCode::kTransport, fmt::format("serial port {}: cannot set {} 8N1 raw: {}", path,
                                                  baud, strerror(err)));
  }
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

void SerialPort::vanished(const char* what, int err) {
  throw Error(ExitCode::kTransport,
              fmt::format("serial port {} disappeared while {} ({}); was the board unplugged or "
                          "reset?",
                          path_, what, err ? strerror(err) : "end of file"));
}

void SerialPort::discard_input() {
  if (fd_ >= 0) tcflush(fd_, TCIFLUSH);
}

void SerialPort::write(std::span<const std::uint8_t> data, Clock::time_point deadline) {
  const auto start = Clock::now();
  const std::size_t total = data.size();
  while (!data.empty()) {
    ssize_t w = ::write(fd_, data.data(), data.size());
    if (w > 0) {
      data = data.subspan(static_cast<std::size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd_, POLLOUT, deadline)) {
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        throw TransportTimeout(
            fmt::format(
                "timed out after {} ms writing to serial port {} (the device stopped reading)", ms,
                path_),
            total - data.size());
      }
      continue;
    }
    int err = w < 0 ? errno : 0;
    if (w == 0 || is_gone(err)) vanished("writing", err);
    throw Error(ExitCode::kTransport,
                fmt::format("writing to serial port {}: {}", path_, strerror(err)));
  }
}

std::size_t SerialPort::read(std::span<std::uint8_t> buf, Clock::time_point deadline) {
  if (buf.empty()) return 0;
  const auto start = Clock::now();
  for (;;) {
    ssize_t r = ::read(fd_, buf.data(), buf.size());
    if (r > 0) return static_cast<std::size_t>(r);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd_, POLLIN, deadline)) {
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        throw TransportTimeout(fmt::format(
            "timed out after {} ms waiting for the device on serial port {}", ms, path_));
      }
      continue;
    }
    // A read of 0 (VMIN=1, non-blocking) means hang-up: the port went away.
    int err = r < 0 ? errno : 0;
    if (r == 0 || is_gone(err)) vanished("reading", err);
    throw Error(ExitCode::kTransport,
                fmt::format("reading from serial port {}: {}", path_, strerror(err)));
  }
}

}  // namespace utvm::transport
