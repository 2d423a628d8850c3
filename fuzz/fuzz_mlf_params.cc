// libFuzzer target: TVM .params blobs. parse_params must return or throw utvm::Error, and what it
// returns must be self-consistent (data size = element size x shape product).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/mlf/dtype.h"
#include "utvm/mlf/params.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& p : utvm::mlf::parse_params(bytes, "fuzz.params")) {
      std::uint64_t n = 1;
      for (auto d : p.shape)
        n *= static_cast<std::uint64_t>(d);
      auto t = utvm::mlf::parse_dtype(p.dtype);
      if (p.data.size() != (t.bits + 7u) / 8u * n) std::abort();
    }
  } catch (const utvm::Error&) {
  }
  return 0;
}
