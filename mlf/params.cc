// Decoder for tvm.runtime.save_param_dict blobs (spec/mlf.md §4): little-endian, no padding.
#include "utvm/mlf/params.h"

#include <fmt/core.h>

#include <cstring>

#include "utvm/common/error.h"
#include "utvm/mlf/dtype.h"

namespace utvm::mlf {
namespace {

constexpr std::uint64_t kListMagic = 0xF7E58D4F05049CB7ull;
constexpr std::uint64_t kTensorMagic = 0xDD5E40F096B4A13Full;
constexpr std::int32_t kMaxNdim = 32;

class Cursor {
 public:
  Cursor(std::string_view bytes, std::string_view file) : b_(bytes), file_(file) {}

  [[noreturn]] void fail(std::size_t at, std::string_view what) const {
    throw Error(ExitCode::kBadInput, fmt::format("{}: offset {}: {}", file_, at, what));
  }
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return b_.size() - pos_; }

  template <typename T>
  T read(std::string_view what) {
    if (left() < sizeof(T)) {
      fail(pos_, fmt::format("truncated: need {} bytes for {}, {} left", sizeof(T), what, left()));
    }
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {  // little-endian regardless of host
      v |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i));
    }
    pos_ += sizeof(T);
    return v;
  }
  std::string_view bytes(std::uint64_t n, std::string_view what) {
    if (n > left()) {
      fail(pos_, fmt::format("truncated: {} needs {} bytes, {} left", what, n, left()));
    }
    std::string_view out = b_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  std::string_view b_;
  std::string_view file_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Param> parse_params(std::string_view bytes, std::string_view file_name) {
  Cursor c(bytes, file_name);
  std::size_t at = c.pos();
  if (c.read<std::uint64_t>("the file magic") != kListMagic) {
    c.fail(at, "not a TVM params file (bad magic; expected 0xF7E58D4F05049CB7)");
  }
  c.read<std::uint64_t>("the reserved word");
  at = c.pos();
  std::uint64_t n_names = c.read<std::uint64_t>("the name count");
  if (n_names > c.left() / 8) c.fail(at, fmt::format("name count {} is impossible", n_names));
  std::vector<Param> params(n_names);
  for (std::uint64_t i = 0; i < n_names; ++i) {
    std::uint64_t len = c.read<std::uint64_t>("a name length");
    params[i].name = std::string(c.bytes(len, fmt::format("name {}", i)));
  }
  at = c.pos();
  std::uint64_t n_arrays = c.read<std::uint64_t>("the array count");
  if (n_arrays != n_names) {
    c.fail(at, fmt::format("array count {} does not match name count {}", n_arrays, n_names));
  }
  for (std::uint64_t i = 0; i < n_arrays; ++i) {
    Param& p = params[i];
    at = c.pos();
    if (c.read<std::uint64_t>("a tensor magic") != kTensorMagic) {
      c.fail(at, fmt::format("tensor '{}': bad tensor magic", p.name));
    }
    c.read<std::uint64_t>("a reserved word");
    at = c.pos();
    std::int32_t dev_type = c.read<std::int32_t>("device_type");
    c.read<std::int32_t>("device_id");
    if (dev_type != 1) {
      c.fail(at, fmt::format("tensor '{}': device_type {} is not CPU (1)", p.name, dev_type));
    }
    at = c.pos();
    std::int32_t ndim = c.read<std::int32_t>("ndim");
    if (ndim < 0 || ndim > kMaxNdim) {
      c.fail(at, fmt::format("tensor '{}': ndim {} out of range 0..{}", p.name, ndim, kMaxNdim));
    }
    at = c.pos();
    DType dt;
    dt.code = c.read<std::uint8_t>("dtype code");
    dt.bits = c.read<std::uint8_t>("dtype bits");
    dt.lanes = c.read<std::uint16_t>("dtype lanes");
    if (dt.bits == 0 || dt.lanes == 0) {
      c.fail(at, fmt::format("tensor '{}': dtype with zero bits or lanes", p.name));
    }
    try {
      p.dtype = dtype_name(dt);
      // Only types whose name means the same element size (no "int3", no 16-bit "handle").
      DType back = parse_dtype(p.dtype);
      if ((back.bits + 7u) / 8u != (dt.bits + 7u) / 8u) throw Error(ExitCode::kBadInput, "");
    } catch (const Error&) {
      c.fail(at, fmt::format("tensor '{}': unsupported dtype (code {}, bits {}, lanes {})", p.name,
                             dt.code, dt.bits, dt.lanes));
    }
    std::uint64_t elems = 1;
    p.shape.resize(static_cast<std::size_t>(ndim));
    for (std::int32_t d = 0; d < ndim; ++d) {
      at = c.pos();
      std::int64_t dim = c.read<std::int64_t>("a shape dimension");
      if (dim < 0) c.fail(at, fmt::format("tensor '{}': negative dimension {}", p.name, dim));
      if (dim != 0 && elems > (std::uint64_t{1} << 62) / static_cast<std::uint64_t>(dim)) {
        c.fail(at, fmt::format("tensor '{}': shape too large", p.name));
      }
      elems *= static_cast<std::uint64_t>(dim);
      p.shape[static_cast<std::size_t>(d)] = dim;
    }
    at = c.pos();
    std::int64_t data_size = c.read<std::int64_t>("data_byte_size");
    // Every lane counts (float32x4 is 16 bytes an element); the product is checked, a lying
    // header must not wrap it around to a small size.
    const std::uint64_t elem_bytes = (static_cast<std::uint64_t>(dt.bits) * dt.lanes + 7) / 8;
    std::uint64_t expected = 0;
    if (__builtin_mul_overflow(elem_bytes, elems, &expected)) {
      c.fail(at, fmt::format("tensor '{}': {} elements of {} overflow a 64-bit size", p.name, elems,
                             p.dtype));
    }
    if (data_size < 0 || static_cast<std::uint64_t>(data_size) != expected) {
      c.fail(at, fmt::format("tensor '{}': data_byte_size {} but {} {} elements need {}", p.name,
                             data_size, elems, p.dtype, expected));
    }
    p.data = std::string(c.bytes(expected, fmt::format("tensor '{}' data", p.name)));
  }
  if (c.left() != 0)
    c.fail(c.pos(), fmt::format("{} trailing bytes after the last tensor", c.left()));
  return params;
}

}  // namespace utvm::mlf
