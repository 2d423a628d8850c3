// Host-side framing of utvm's link protocol (docs/link-protocol.md): CRC-16/CCITT-FALSE, frame
// encoding, and an incremental decoder that resynchronises on the SYNC byte after garbage or
// damage. Knows nothing of commands; LinkClient does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace utvm::link {

// CRC-16/CCITT-FALSE; start with 0xFFFF. The device's own crc16.c (slicing-by-8 variant).
std::uint16_t crc16(std::span<const std::uint8_t> data, std::uint16_t crc = 0xFFFF);

// Appends one frame (header, payload = head followed by body, CRC) to out.
// The payload must not exceed 65535 bytes.
void append_frame(std::vector<std::uint8_t>& out, std::uint8_t seq, std::uint8_t type,
                  std::span<const std::uint8_t> head, std::span<const std::uint8_t> body = {});

struct Frame {
  std::uint8_t seq = 0;
  std::uint8_t type = 0;
  std::span<const std::uint8_t> payload;  // valid until the decoder is used again
};

// Accumulates received bytes and cuts frames out of them.
class FrameDecoder {
 public:
  enum class Status {
    kNeedMore,  // no complete frame buffered
    kFrame,     // `out` holds the next frame
    kBadFrame,  // a frame with a valid header failed its CRC; it was dropped
  };

  // Space to read into (at least min_bytes); then commit() how many bytes arrived.
  std::span<std::uint8_t> write_area(std::size_t min_bytes);
  void commit(std::size_t n) { end_ += n; }
  // Convenience: copies bytes in.
  void feed(std::span<const std::uint8_t> bytes);

  Status next(Frame& out);

  std::size_t buffered() const { return end_ - begin_; }
  void clear() { begin_ = end_ = 0; }
  // After a timeout: gives up on the frame start the decoder is waiting to complete. A damaged
  // byte can make noise pass the 8-bit header check with a length of up to 64 KiB, and waiting
  // for those bytes would swallow every retry's answer; the hunt resumes after that SYNC.
  void abandon_partial_frame() {
    if (begin_ < end_) {
      ++begin_;
      ++skipped_;
    }
  }
  // Bytes skipped while hunting for a frame start (garbage, damaged headers).
  std::uint64_t skipped_bytes() const { return skipped_; }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0, end_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace utvm::link
