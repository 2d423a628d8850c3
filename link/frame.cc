#include "utvm/link/frame.h"

#include <cstring>
#include <stdexcept>

#include "utvm/crc16.h"
#include "utvm/link_proto.h"

namespace utvm::link {
namespace {

// The CRC's tables are built on first use; build them before main() so no two threads race to.
[[maybe_unused]] const bool kCrcTablesReady =
    (utvm_crc16_update(UTVM_CRC16_INIT, nullptr, 0), true);

inline std::uint16_t header_check(const std::uint8_t* h) {
  return crc16(std::span<const std::uint8_t>(h + 1, 4)) & 0xFF;
}

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> data, std::uint16_t crc) {
  return utvm_crc16_update(crc, data.data(), data.size());
}

void append_frame(std::vector<std::uint8_t>& out, std::uint8_t seq, std::uint8_t type,
                  std::span<const std::uint8_t> head, std::span<const std::uint8_t> body) {
  const std::size_t len = head.size() + body.size();
  if (len > UTVM_LINK_MAX_PAYLOAD) throw std::length_error("link frame payload over 65535 bytes");
  const std::size_t at = out.size();
  out.resize(at + UTVM_LINK_HEADER_BYTES + len + UTVM_LINK_TRAILER_BYTES);
  std::uint8_t* f = out.data() + at;
  f[0] = UTVM_LINK_SYNC;
  f[1] = seq;
  f[2] = type;
  f[3] = static_cast<std::uint8_t>(len);
  f[4] = static_cast<std::uint8_t>(len >> 8);
  f[5] = static_cast<std::uint8_t>(header_check(f));
  if (!head.empty()) std::memcpy(f + 6, head.data(), head.size());
  if (!body.empty()) std::memcpy(f + 6 + head.size(), body.data(), body.size());
  std::uint16_t c = crc16(std::span<const std::uint8_t>(f + 1, 5 + len));
  f[6 + len] = static_cast<std::uint8_t>(c);
  f[7 + len] = static_cast<std::uint8_t>(c >> 8);
}

std::span<std::uint8_t> FrameDecoder::write_area(std::size_t min_bytes) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (buf_.size() - end_ < min_bytes) {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buf_.size() - end_ < min_bytes) buf_.resize(end_ + min_bytes);
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;  // its data() may be null: memcpy(x, nullptr, 0) is undefined
  auto area = write_area(bytes.size());
  std::memcpy(area.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

FrameDecoder::Status FrameDecoder::next(Frame& out) {
  for (;;) {
    const std::uint8_t* base = buf_.data();
    // An empty buffer's data() may be null: memchr(nullptr, c, 0) is undefined.
    const void* sync =
        end_ > begin_ ? std::memchr(base + begin_, UTVM_LINK_SYNC, end_ - begin_) : nullptr;
    if (sync == nullptr) {
      skipped_ += end_ - begin_;
      begin_ = end_ = 0;
      return Status::kNeedMore;
    }
    std::size_t at = static_cast<const std::uint8_t*>(sync) - base;
    skipped_ += at - begin_;
    begin_ = at;
    if (end_ - begin_ < UTVM_LINK_HEADER_BYTES) return Status::kNeedMore;
    const std::uint8_t* h = base + begin_;
    if (header_check(h) != h[5]) {  // not a frame start after all
      ++begin_;
      ++skipped_;
      continue;
    }
    const std::size_t len = h[3] | (static_cast<std::size_t>(h[4]) << 8);
    const std::size_t total = UTVM_LINK_HEADER_BYTES + len + UTVM_LINK_TRAILER_BYTES;
    if (end_ - begin_ < total) return Status::kNeedMore;
    const std::uint16_t want = h[6 + len] | (h[7 + len] << 8);
    if (crc16(std::span<const std::uint8_t>(h + 1, 5 + len)) != want) {
      ++begin_;  // rescan from the byte after this SYNC
      ++skipped_;
      return Status::kBadFrame;
    }
    out.seq = h[1];
    out.type = h[2];
    out.payload = std::span<const std::uint8_t>(h + 6, len);
    begin_ += total;
    return Status::kFrame;
  }
}

}  // namespace utvm::link
