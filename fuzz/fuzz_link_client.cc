// libFuzzer: the host side of the link (LinkClient + FrameDecoder) talking to a "device" whose
// answers are arbitrary bytes. Every outcome must be a result or a utvm::Error -- no crash, no
// hang, no huge allocation.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "utvm/link/link_client.h"

namespace {

class ScriptedStream : public utvm::transport::ByteStream {
 public:
  ScriptedStream(const std::uint8_t* data, std::size_t size) : data_(data), left_(size) {}
  void write(std::span<const std::uint8_t>, std::chrono::steady_clock::time_point) override {}
  std::size_t read(std::span<std::uint8_t> buf, std::chrono::steady_clock::time_point) override {
    if (left_ == 0) throw utvm::transport::TransportTimeout("script exhausted");
    std::size_t k = std::min({buf.size(), left_, std::size_t{1} + left_ % 97});
    std::memcpy(buf.data(), data_, k);
    data_ += k;
    left_ -= k;
    return k;
  }

 private:
  const std::uint8_t* data_;
  std::size_t left_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ScriptedStream stream(data, size);
  utvm::link::LinkConfig config;
  config.max_attempts = 2;
  utvm::link::LinkClient link(stream, config);
  try {
    const auto& info = link.hello();
    for (std::size_t i = 0; i < info.inputs.size() && i < 4; ++i) {
      if (info.inputs[i].nbytes > (1u << 16)) continue;
      std::vector<std::uint8_t> x(info.inputs[i].nbytes, 1);
      link.set_input(static_cast<std::uint16_t>(i), x);
    }
    link.run(3);
    for (std::size_t i = 0; i < info.outputs.size() && i < 4; ++i) {
      if (info.outputs[i].nbytes > (1u << 16)) continue;
      link.get_output(static_cast<std::uint16_t>(i));
    }
    link.reset();
  } catch (const utvm::Error&) {
  }
  return 0;
}
