// Recognises TVM's RPC session start in the first bytes a client writes to a transport.
//
// utvm's devices speak utvm's link protocol. TVM's own client (tvm.micro.Session, behind
// `tvmc run --device micro`) instead opens with its RPC framing: the Framer's first packet after a
// reset is a session-terminate message, then a session-start. Nothing on a utvm device answers
// that, so TVM would wait for a reply that never comes. Fed the written bytes in order, this tells
// such a client apart from utvm's own (whose first byte is the link's sync byte, or filler zeros),
// so the server can refuse it with a clear message instead.
//
// TVM's framing, as facts (src/runtime/crt/microtvm_rpc_common, not copied): a packet is
// 0xFF 0xFD, then the payload length (uint32, little-endian), the payload and a CRC-16 (uint16,
// little-endian); 0xFF inside those fields is sent as 0xFF 0xFF and 0xFF 0xFE is a no-op. The CRC
// is CRC-16/CCITT-FALSE over the packet's bytes as sent, from 0xFF 0xFD to the payload's end. A
// framer's first packet is preceded by one 0xFE. The payload starts with the session header:
// session id (uint16) and message type (0x00 start-session init, 0x02 terminate-session).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace utvm::platforms {

class TvmSessionStartSniffer {
 public:
  enum class Verdict {
    kUndecided,  // the bytes so far may be the start of TVM's session start
    kNotTvm,     // they are not: forward them
    kTvm,        // a complete, CRC-checked TVM session-control packet
  };

  // Feeds the next written bytes. Once the verdict is not kUndecided it stays (until reset()).
  Verdict feed(std::span<const std::uint8_t> data);
  Verdict verdict() const { return verdict_; }
  // Forgets everything (a new transport session).
  void reset() { *this = TvmSessionStartSniffer(); }

 private:
  enum class Stage { kNops, kStartFd, kLength, kPayload, kCrc };
  Verdict step(std::uint8_t byte);
  Verdict field_byte(std::uint8_t value);

  Verdict verdict_ = Verdict::kUndecided;
  Stage stage_ = Stage::kNops;
  bool escape_ = false;          // inside a field, the previous wire byte was 0xFF
  std::size_t nops_ = 0;         // leading 0xFE bytes seen
  std::size_t field_index_ = 0;  // bytes of the current field so far
  std::uint32_t length_ = 0;
  std::uint8_t message_type_ = 0;
  std::uint16_t crc_ = 0xFFFF;  // over the wire bytes from 0xFF 0xFD to the payload's end
  std::uint16_t sent_crc_ = 0;
};

}  // namespace utvm::platforms
