// Host framing: CRC, encoding, and the decoder's resynchronisation.
#include "utvm/link/frame.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using utvm::link::append_frame;
using utvm::link::crc16;
using utvm::link::Frame;
using utvm::link::FrameDecoder;
using Status = FrameDecoder::Status;

std::vector<std::uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(Crc16, CcittFalseCheckValue) {
  EXPECT_EQ(crc16(bytes("123456789")), 0x29B1);
  EXPECT_EQ(crc16({}), 0xFFFF);
  auto all = bytes("123456789");
  EXPECT_EQ(crc16(std::span(all).subspan(4), crc16(std::span(all).first(4))), 0x29B1);
}

TEST(Frame, LayoutIsSyncHeaderPayloadCrc) {
  std::vector<std::uint8_t> out;
  append_frame(out, 0x12, 0x03, bytes("ab"), bytes("c"));
  ASSERT_EQ(out.size(), 6u + 3u + 2u);
  EXPECT_EQ(out[0], 0xA5);
  EXPECT_EQ(out[1], 0x12);
  EXPECT_EQ(out[2], 0x03);
  EXPECT_EQ(out[3], 3);
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[5], crc16(std::span(out).subspan(1, 4)) & 0xFF);
  EXPECT_EQ(std::string(out.begin() + 6, out.begin() + 9), "abc");
  const std::uint16_t c = crc16(std::span(out).subspan(1, 8));
  EXPECT_EQ(out[9], c & 0xFF);
  EXPECT_EQ(out[10], c >> 8);
  EXPECT_THROW(append_frame(out, 0, 0, std::vector<std::uint8_t>(70000)), std::length_error);
}

// Issue 14 item 11: an empty input (a null span) before any data passed null to memcpy and
// memchr (undefined; UBSan reports it in the sanitizer build).
TEST(Reliability, FrameDecoderEmptyInputIsDefined) {
  FrameDecoder d;
  d.feed(std::span<const std::uint8_t>());
  Frame f;
  EXPECT_EQ(d.next(f), FrameDecoder::Status::kNeedMore);
  d.feed(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(nullptr), 0));
  EXPECT_EQ(d.next(f), FrameDecoder::Status::kNeedMore);
}

TEST(FrameDecoder, RoundTripsByteByByte) {
  std::vector<std::uint8_t> wire;
  append_frame(wire, 1, 0x81, bytes("hello"));
  append_frame(wire, 2, 0x82, {});
  FrameDecoder d;
  Frame f;
  std::vector<std::string> got;
  for (std::uint8_t b : wire) {
    d.feed({&b, 1});
    while (d.next(f) == Status::kFrame) {
      got.push_back(std::to_string(f.seq) + ":" + std::string(f.payload.begin(), f.payload.end()));
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1:hello", "2:"}));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, SkipsGarbageAndReportsDamagedFrames) {
  std::vector<std::uint8_t> wire = bytes("boot banner \xA5\xA5\x01 junk");
  append_frame(wire, 3, 0x81, bytes("one"));
  std::size_t damaged_at = wire.size();
  append_frame(wire, 4, 0x81, bytes("two"));
  wire[damaged_at + 7] ^= 0x40;  // payload byte of frame 4
  append_frame(wire, 5, 0x81, bytes("three"));
  FrameDecoder d;
  d.feed(wire);
  Frame f;
  ASSERT_EQ(d.next(f), Status::kFrame);
  EXPECT_EQ(f.seq, 3);
  EXPECT_EQ(d.next(f), Status::kBadFrame);
  ASSERT_EQ(d.next(f), Status::kFrame);
  EXPECT_EQ(f.seq, 5);
  EXPECT_EQ(std::string(f.payload.begin(), f.payload.end()), "three");
  EXPECT_EQ(d.next(f), Status::kNeedMore);
  EXPECT_GT(d.skipped_bytes(), 15u);
}

// Random corruption: the decoder never yields a frame that was not sent, and yields every
// frame that was not touched.
TEST(FrameDecoder, RandomCorruptionNeverForgesFrames) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::uint8_t> wire;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (int i = 0; i < 8; ++i) {
      std::vector<std::uint8_t> payload(rng() % 100);
      for (auto& b : payload)
        b = static_cast<std::uint8_t>(rng());
      std::size_t at = wire.size();
      append_frame(wire, static_cast<std::uint8_t>(i), 0x85, payload);
      spans.push_back({at, wire.size()});
    }
    std::vector<bool> intact(8, true);
    for (int k = 0; k < 3; ++k) {
      std::size_t pos = rng() % wire.size();
      wire[pos] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      for (int i = 0; i < 8; ++i) {
        if (pos >= spans[i].first && pos < spans[i].second) intact[i] = false;
      }
    }
    FrameDecoder d;
    d.feed(wire);
    Frame f;
    std::vector<bool> seen(8, false);
    for (Status s; (s = d.next(f)) != Status::kNeedMore;) {
      if (s != Status::kFrame) continue;
      ASSERT_LT(f.seq, 8) << "forged frame";
      seen[f.seq] = true;
    }
    for (int i = 0; i < 8; ++i) {
      // An intact frame right after a damaged one can be swallowed by the damaged frame's
      // (now wrong) length only if that length still passes the header check: allow it.
      if (intact[i] && (i == 0 || intact[i - 1])) {
        EXPECT_TRUE(seen[i]) << trial << " " << i;
      }
    }
  }
}

// Noise that passes the 8-bit header check with a huge length makes the decoder wait for bytes
// that never come; after a timeout the caller abandons it and the real frame behind it appears.
TEST(FrameDecoder, AbandoningAFalseHeaderUncoversTheFrameBehindIt) {
  std::vector<std::uint8_t> stream = {0xA5, 0x77, 0x81, 0x60, 0xEA, 0x00};
  stream[5] = crc16(std::span(stream).subspan(1, 4)) & 0xFF;
  append_frame(stream, 9, 0x85, bytes("answer"), {});
  FrameDecoder d;
  d.feed(stream);
  Frame f;
  EXPECT_EQ(d.next(f), Status::kNeedMore);  // waiting for 60000 bytes
  d.abandon_partial_frame();
  ASSERT_EQ(d.next(f), Status::kFrame);
  EXPECT_EQ(f.seq, 9);
  EXPECT_EQ(std::string(f.payload.begin(), f.payload.end()), "answer");
  d.abandon_partial_frame();  // nothing buffered: harmless
  EXPECT_EQ(d.next(f), Status::kNeedMore);
}

}  // namespace
