#include "common/tvm_session_sniffer.h"

#include "utvm/link/frame.h"

namespace utvm::platforms {
namespace {

constexpr std::uint8_t kEscape = 0xFF;
constexpr std::uint8_t kNop = 0xFE;
constexpr std::uint8_t kPacketStart = 0xFD;
constexpr std::uint8_t kStartSessionInit = 0x00;
constexpr std::uint8_t kTerminateSession = 0x02;
constexpr std::size_t kMaxLeadingNops = 4;
// A session header (3 bytes) plus a small body: TVM's session-control packets are 3 or 4 bytes.
constexpr std::uint32_t kMinPayload = 3;
constexpr std::uint32_t kMaxPayload = 64;

}  // namespace

TvmSessionStartSniffer::Verdict TvmSessionStartSniffer::feed(std::span<const std::uint8_t> data) {
  for (std::uint8_t b : data) {
    if (verdict_ != Verdict::kUndecided) break;
    verdict_ = step(b);
  }
  return verdict_;
}

TvmSessionStartSniffer::Verdict TvmSessionStartSniffer::step(std::uint8_t byte) {
  const std::uint8_t one[1] = {byte};
  switch (stage_) {
    case Stage::kNops:
      if (byte == kNop && nops_ < kMaxLeadingNops) {
        ++nops_;
        return Verdict::kUndecided;
      }
      if (byte != kEscape) return Verdict::kNotTvm;
      crc_ = link::crc16(one, 0xFFFF);
      stage_ = Stage::kStartFd;
      return Verdict::kUndecided;
    case Stage::kStartFd:
      if (byte != kPacketStart) return Verdict::kNotTvm;
      crc_ = link::crc16(one, crc_);
      stage_ = Stage::kLength;
      return Verdict::kUndecided;
    case Stage::kLength:
    case Stage::kPayload:
    case Stage::kCrc:
      break;
  }
  // Inside the escaped fields. The CRC covers every wire byte before the CRC field.
  if (stage_ != Stage::kCrc) crc_ = link::crc16(one, crc_);
  if (escape_) {
    escape_ = false;
    if (byte == kEscape) return field_byte(kEscape);
    if (byte == kNop) return Verdict::kUndecided;
    return Verdict::kNotTvm;  // a new packet start or an invalid escape: not a clean start
  }
  if (byte == kEscape) {
    escape_ = true;
    return Verdict::kUndecided;
  }
  return field_byte(byte);
}

TvmSessionStartSniffer::Verdict TvmSessionStartSniffer::field_byte(std::uint8_t value) {
  switch (stage_) {
    case Stage::kLength:
      length_ |= static_cast<std::uint32_t>(value) << (8 * field_index_);
      if (++field_index_ < 4) return Verdict::kUndecided;
      if (length_ < kMinPayload || length_ > kMaxPayload) return Verdict::kNotTvm;
      stage_ = Stage::kPayload;
      field_index_ = 0;
      return Verdict::kUndecided;
    case Stage::kPayload:
      if (field_index_ == 2) {
        message_type_ = value;
        if (message_type_ != kStartSessionInit && message_type_ != kTerminateSession) {
          return Verdict::kNotTvm;
        }
      }
      if (++field_index_ < length_) return Verdict::kUndecided;
      stage_ = Stage::kCrc;
      field_index_ = 0;
      return Verdict::kUndecided;
    case Stage::kCrc:
      sent_crc_ |= static_cast<std::uint16_t>(value << (8 * field_index_));
      if (++field_index_ < 2) return Verdict::kUndecided;
      return sent_crc_ == crc_ ? Verdict::kTvm : Verdict::kNotTvm;
    case Stage::kNops:
    case Stage::kStartFd:
      break;
  }
  return Verdict::kNotTvm;
}

}  // namespace utvm::platforms
