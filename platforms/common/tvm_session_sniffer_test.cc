// TvmSessionStartSniffer against TVM's session-start bytes, framed here from the facts in
// tvm_session_sniffer.h (the test's own encoder), and against what utvm's own client sends.
#include "common/tvm_session_sniffer.h"

#include <gtest/gtest.h>

#include <vector>

namespace utvm::platforms {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Verdict = TvmSessionStartSniffer::Verdict;

std::uint16_t crc_ccitt(const Bytes& data, std::uint16_t crc = 0xFFFF) {
  for (std::uint8_t b : data) {
    crc ^= static_cast<std::uint16_t>(b << 8);
    for (int i = 0; i < 8; ++i)
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
  }
  return crc;
}

Bytes escaped(const Bytes& field) {
  Bytes out;
  for (std::uint8_t b : field) {
    out.push_back(b);
    if (b == 0xFF) out.push_back(0xFF);
  }
  return out;
}

// One packet as TVM's Framer writes it, split into its write calls: [0xFE] first after a reset,
// [FF FD], the length, the payload, the CRC.
std::vector<Bytes> tvm_packet_writes(const Bytes& payload, bool after_reset) {
  std::vector<Bytes> writes;
  if (after_reset) writes.push_back({0xFE});
  writes.push_back({0xFF, 0xFD});
  const auto n = static_cast<std::uint32_t>(payload.size());
  writes.push_back(
      escaped({static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
               static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)}));
  writes.push_back(escaped(payload));
  Bytes wire;
  for (const auto& w : writes)
    if (w != Bytes{0xFE}) wire.insert(wire.end(), w.begin(), w.end());
  const std::uint16_t crc = crc_ccitt(wire);
  writes.push_back(escaped({static_cast<std::uint8_t>(crc), static_cast<std::uint8_t>(crc >> 8)}));
  return writes;
}

Bytes joined(const std::vector<Bytes>& writes) {
  Bytes out;
  for (const auto& w : writes)
    out.insert(out.end(), w.begin(), w.end());
  return out;
}

const Bytes kTerminate = {0x00, 0x00, 0x02};  // session id 0, kTerminateSession

TEST(TvmSessionStartSniffer, KnowsTheTerminatePacketTvmSendsFirst) {
  // Checked by hand: CRC-16/CCITT-FALSE of FF FD 03 00 00 00 00 00 02 is 0x7766.
  EXPECT_EQ(joined(tvm_packet_writes(kTerminate, true)),
            (Bytes{0xFE, 0xFF, 0xFD, 0x03, 0, 0, 0, 0x00, 0x00, 0x02, 0x66, 0x77}));
  TvmSessionStartSniffer s;
  const auto writes = tvm_packet_writes(kTerminate, true);
  for (std::size_t i = 0; i + 1 < writes.size(); ++i)
    EXPECT_EQ(s.feed(writes[i]), Verdict::kUndecided) << "write " << i;
  EXPECT_EQ(s.feed(writes.back()), Verdict::kTvm);
  EXPECT_EQ(s.feed(Bytes{0xA5}), Verdict::kTvm) << "the verdict stays";
}

TEST(TvmSessionStartSniffer, KnowsTheStartSessionPacketWithAnEscapedNonce) {
  // A start-session init whose nonce is 0xFF: the id and the CRC go out escaped.
  TvmSessionStartSniffer s;
  for (std::uint8_t nonce : {0x5A, 0xFF}) {
    s.reset();
    const Bytes payload = {nonce, 0x00, 0x00, 0x01};  // kStartSessionInit, version 1
    const Bytes wire = joined(tvm_packet_writes(payload, false));
    for (std::uint8_t b : wire)  // byte by byte: write boundaries do not matter
      s.feed(Bytes{b});
    EXPECT_EQ(s.verdict(), Verdict::kTvm) << "nonce " << int(nonce);
  }
}

TEST(TvmSessionStartSniffer, LetsUtvmTrafficThroughAtOnce) {
  TvmSessionStartSniffer s;
  EXPECT_EQ(s.feed(Bytes{0xA5, 0x01, 0x01, 0x01, 0x00}), Verdict::kNotTvm);  // a link frame
  s.reset();
  EXPECT_EQ(s.feed(Bytes(64, 0x00)), Verdict::kNotTvm);  // the link client's filler
  s.reset();
  EXPECT_EQ(s.feed(Bytes{}), Verdict::kUndecided);
}

TEST(TvmSessionStartSniffer, RefusesLookAlikes) {
  auto verdict = [](const Bytes& wire) {
    TvmSessionStartSniffer s;
    return s.feed(wire);
  };
  Bytes bad_crc = joined(tvm_packet_writes(kTerminate, true));
  bad_crc.back() ^= 0x01;
  EXPECT_EQ(verdict(bad_crc), Verdict::kNotTvm);
  // A long payload is not a session-control packet.
  EXPECT_EQ(verdict(Bytes{0xFF, 0xFD, 0x00, 0x10, 0, 0}), Verdict::kNotTvm);
  // A normal RPC message (type 0x10) is not a session start.
  EXPECT_EQ(verdict(joined(tvm_packet_writes({0x00, 0x00, 0x10}, true))), Verdict::kNotTvm);
  // An invalid escape inside the fields.
  EXPECT_EQ(verdict(Bytes{0xFE, 0xFF, 0xFD, 0xFF, 0x01}), Verdict::kNotTvm);
  // Too many no-ops, or no packet start after 0xFF.
  EXPECT_EQ(verdict(Bytes(8, 0xFE)), Verdict::kNotTvm);
  EXPECT_EQ(verdict(Bytes{0xFE, 0xFF, 0x00}), Verdict::kNotTvm);
}

}  // namespace
}  // namespace utvm::platforms
