// libFuzzer target: .npz (zip) and .npy parsing must reject any input with utvm::Error and
// never crash, hang or over-allocate; whatever parses must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto arrays = utvm::npz::read_npz_bytes(bytes, "fuzz.npz");
    auto again = utvm::npz::read_npz_bytes(utvm::npz::write_npz_bytes(arrays, true), "rt.npz");
    if (again.size() != arrays.size()) std::abort();
    for (std::size_t i = 0; i < arrays.size(); ++i) {
      if (again[i].second.data != arrays[i].second.data) std::abort();
    }
  } catch (const utvm::Error&) {
  }
  try {
    auto array = utvm::npz::read_npy(bytes, "fuzz.npy");
    if (utvm::npz::read_npy(utvm::npz::write_npy(array), "rt.npy").data != array.data) {
      std::abort();
    }
  } catch (const utvm::Error&) {
  }
  return 0;
}
