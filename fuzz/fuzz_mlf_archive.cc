// libFuzzer target: arbitrary bytes as an MLF archive (tar/compressed) and then as its
// metadata.json. Everything must end in utvm::Error or a Model; no crash, hang or huge allocation.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "utvm/common/error.h"
#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"
#include "utvm/mlf/model_json.h"

namespace {

// Small caps keep each run fast; the limits themselves are what is being exercised.
utvm::mlf::ArchiveLimits limits() {
  utvm::mlf::ArchiveLimits l;
  l.max_members = 256;
  l.max_total_bytes = 8u << 20;
  l.max_member_bytes = 4u << 20;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto archive = utvm::mlf::Archive::from_bytes(bytes, "fuzz.tar", limits());
    auto model = utvm::mlf::load_model(archive, "fuzz.tar");
    (void)utvm::mlf::model_to_json(model).dump();
  } catch (const utvm::Error&) {
  }
  // The same bytes as metadata.json inside a valid archive: exercises the metadata normaliser
  // directly without the fuzzer having to discover tar framing first.
  try {
    std::string tar;
    auto header = [&](const std::string& name, std::size_t len) {
      char h[512] = {};
      name.copy(h, 99);
      std::snprintf(h + 100, 8, "%07o", 0644);
      std::snprintf(h + 124, 12, "%011zo", len);
      std::snprintf(h + 136, 12, "%011o", 0);
      std::memset(h + 148, ' ', 8);
      h[156] = '0';
      std::memcpy(h + 257, "ustar", 6);
      std::memcpy(h + 263, "00", 2);
      unsigned sum = 0;
      for (unsigned char c : h)
        sum += c;
      std::snprintf(h + 148, 8, "%06o", sum);
      tar.append(h, 512);
    };
    header("./metadata.json", size);
    tar.append(bytes);
    tar.resize((tar.size() + 511) / 512 * 512 + 1024, '\0');
    auto archive = utvm::mlf::Archive::from_bytes(tar, "meta.tar", limits());
    auto model = utvm::mlf::load_model(archive, "meta.tar");
    (void)utvm::mlf::model_to_json(model).dump();
  } catch (const utvm::Error&) {
  }
  return 0;
}
