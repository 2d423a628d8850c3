// libFuzzer: the device side of the link (device/src/link.c) serving the add-one test model, fed
// arbitrary bytes as its receive stream. Whatever arrives, it must not crash, must not touch
// memory outside its buffers (ASan/UBSan) and must only ever emit well-formed frames.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "utvm/link.h"
#include "utvm/link/frame.h"
#include "utvm/model.h"

namespace {
const std::uint8_t* g_in;
std::size_t g_left;
std::vector<std::uint8_t> g_out;
}  // namespace

extern "C" {
int utvm_port_read(std::uint8_t* buf, std::size_t n) {
  if (g_left == 0) return -1;
  // Deliver in uneven pieces, as a UART would.
  std::size_t k = n < g_left ? n : g_left;
  if (k > 1 + (g_left % 13)) k = 1 + (g_left % 13);
  std::memcpy(buf, g_in, k);
  g_in += k;
  g_left -= k;
  return static_cast<int>(k);
}
int utvm_port_write(const std::uint8_t* buf, std::size_t n) {
  g_out.insert(g_out.end(), buf, buf + n);
  return 0;
}
std::uint64_t utvm_port_time_ns(void) {
  return 0;
}
void utvm_port_reset(void) {}
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_in = data;
  g_left = size;
  g_out.clear();
  // rx of 64 bytes like a small MCU (the first input byte picks a larger one sometimes).
  static std::uint8_t rx[300];
  const std::size_t rx_len = (size > 0 && data[0] & 1) ? sizeof(rx) : 64;
  if (utvm_link_serve(utvm_models, utvm_num_models, rx, rx_len) != UTVM_LINK_E_DEAD_LINK)
    std::abort();
  utvm::link::FrameDecoder decoder;
  decoder.feed(g_out);
  utvm::link::Frame f;
  for (;;) {
    auto st = decoder.next(f);
    if (st == utvm::link::FrameDecoder::Status::kNeedMore) break;
    if (st != utvm::link::FrameDecoder::Status::kFrame) std::abort();  // device sent damage
  }
  if (decoder.buffered() != 0 || decoder.skipped_bytes() != 0) std::abort();
  return 0;
}
