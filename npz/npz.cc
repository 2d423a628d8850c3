// .npz = a zip archive of .npy members (numpy.savez / savez_compressed). The zip reader follows
// the central directory (with zip64 records), the writer mirrors what Python's zipfile writes for
// numpy: a zip64 local header for every member, DOS date 1980-01-01, mode 0600.
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <string>
#include <system_error>

#include "utvm/common/error.h"
#include "utvm/common/output_file.h"
#include "utvm/npz/npz.h"

namespace utvm::npz {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50;
constexpr std::uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr std::uint64_t kZip64Limit = (1ULL << 31) - 1;  // Python zipfile's ZIP64_LIMIT
constexpr std::uint64_t kFileCountLimit = 0xFFFF;
constexpr std::uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;
// The best ratio deflate can reach is about 1032:1; anything claiming more is corrupt.
constexpr std::uint64_t kMaxDeflateRatio = 1040;

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw Error(ExitCode::kBadInput, std::string(where) + ": " + what);
}

// Bounds-checked little-endian reads from a byte view.
class Reader {
 public:
  Reader(std::string_view bytes, std::string_view where) : b_(bytes), where_(where) {}
  std::uint64_t get(std::uint64_t offset, int n) const {
    if (offset > b_.size() || static_cast<std::uint64_t>(n) > b_.size() - offset) {
      fail(where_, "truncated or bad zip file (record at offset " + std::to_string(offset) +
                       " runs past the end)");
    }
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(b_[static_cast<std::size_t>(offset) + i]);
    }
    return v;
  }
  std::uint16_t u16(std::uint64_t off) const { return static_cast<std::uint16_t>(get(off, 2)); }
  std::uint32_t u32(std::uint64_t off) const { return static_cast<std::uint32_t>(get(off, 4)); }
  std::uint64_t u64(std::uint64_t off) const { return get(off, 8); }
  std::string_view slice(std::uint64_t offset, std::uint64_t n) const {
    if (offset > b_.size() || n > b_.size() - offset) {
      fail(where_, "truncated or bad zip file (" + std::to_string(n) + " B at offset " +
                       std::to_string(offset) + " run past the end of " +
                       std::to_string(b_.size()) + " B)");
    }
    return b_.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(n));
  }
  std::uint64_t size() const { return b_.size(); }

 private:
  std::string_view b_;
  std::string_view where_;
};

struct Entry {
  std::string name;
  std::uint16_t flags = 0, method = 0;
  std::uint32_t crc = 0;
  std::uint64_t csize = 0, usize = 0, local_offset = 0;
};

std::uint32_t crc_of(std::string_view data) {
  return static_cast<std::uint32_t>(
      crc32_z(0L, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

std::string inflate_raw(std::string_view in, std::uint64_t usize, const std::string& where) {
  if (usize > in.size() * kMaxDeflateRatio + 1024) {
    fail(where, "bad zip member: claims " + std::to_string(usize) + " B from " +
                    std::to_string(in.size()) + " compressed B");
  }
  std::string out(static_cast<std::size_t>(usize), '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(where, "zlib inflateInit2 failed");
  std::size_t in_pos = 0, out_pos = 0;
  int rc = Z_OK;
  constexpr std::size_t kChunk = 1u << 30;  // z_stream counts in uInt
  for (;;) {
    const std::size_t in_n = std::min(kChunk, in.size() - in_pos);
    const std::size_t out_n = std::min(kChunk, out.size() - out_pos);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_n);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(out_n);
    rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t used = in_n - zs.avail_in, made = out_n - zs.avail_out;
    in_pos += used;
    out_pos += made;
    if (rc == Z_STREAM_END) break;
    if ((rc != Z_OK && rc != Z_BUF_ERROR) || (used == 0 && made == 0)) break;
  }
  const std::string zmsg = zs.msg ? std::string(" (") + zs.msg + ")" : "";
  inflateEnd(&zs);
  if (rc != Z_STREAM_END)
    fail(where, "bad zip member: deflate data is corrupt or truncated" + zmsg);
  if (out_pos != out.size()) {
    fail(where, "bad zip member: inflated to " + std::to_string(out_pos) +
                    " B, the directory says " + std::to_string(usize));
  }
  return out;
}

std::vector<Entry> read_central_directory(const Reader& r, std::string_view where) {
  if (r.size() < 22) fail(where, "not a zip file (too short: " + std::to_string(r.size()) + " B)");
  // End of central directory record: last 22 B plus an optional comment of up to 64 KiB.
  std::uint64_t eocd = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t lowest = r.size() >= 22 + 0xFFFF ? r.size() - 22 - 0xFFFF : 0;
  for (std::uint64_t pos = r.size() - 22;; --pos) {
    if (r.u32(pos) == kEndSig && pos + 22 + r.u16(pos + 20) <= r.size()) {
      eocd = pos;
      break;
    }
    if (pos == lowest) break;
  }
  if (eocd == std::numeric_limits<std::uint64_t>::max()) {
    fail(where, "not a zip file (no end of central directory record)");
  }
  std::uint64_t count = r.u16(eocd + 10);
  std::uint64_t cd_size = r.u32(eocd + 12);
  std::uint64_t cd_offset = r.u32(eocd + 16);
  if (eocd >= 20 && r.u32(eocd - 20) == kEnd64LocatorSig) {
    std::uint64_t end64 = r.u64(eocd - 20 + 8);
    if (r.u32(end64) != kEnd64Sig) fail(where, "bad zip file: broken zip64 end record");
    count = r.u64(end64 + 32);
    cd_size = r.u64(end64 + 40);
    cd_offset = r.u64(end64 + 48);
  }
  r.slice(cd_offset, cd_size);  // bounds check
  // Every central entry takes at least 46 B: a count beyond that is a lie.
  if (count > cd_size / 46) fail(where, "bad zip file: central directory entry count too large");

  std::vector<Entry> entries;
  entries.reserve(static_cast<std::size_t>(count));
  std::uint64_t pos = cd_offset;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (r.u32(pos) != kCentralSig) fail(where, "bad zip file: broken central directory");
    Entry e;
    e.flags = r.u16(pos + 8);
    e.method = r.u16(pos + 10);
    e.crc = r.u32(pos + 16);
    e.csize = r.u32(pos + 20);
    e.usize = r.u32(pos + 24);
    const std::uint16_t name_len = r.u16(pos + 28);
    const std::uint16_t extra_len = r.u16(pos + 30);
    const std::uint16_t comment_len = r.u16(pos + 32);
    e.local_offset = r.u32(pos + 42);
    e.name = std::string(r.slice(pos + 46, name_len));
    // zip64 extended information: only the fields whose 32-bit value is saturated, in order.
    std::uint64_t x = pos + 46 + name_len;
    const std::uint64_t x_end = x + extra_len;
    r.slice(x, extra_len);
    while (x + 4 <= x_end) {
      const std::uint16_t id = r.u16(x);
      const std::uint16_t len = r.u16(x + 2);
      if (x + 4 + len > x_end) fail(where, e.name + ": bad zip extra field");
      if (id == 0x0001) {
        std::uint64_t f = x + 4;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xFFFFFFFFu) return;
          if (f + 8 > x + 4 + len) fail(where, e.name + ": bad zip64 extra field");
          field = r.u64(f);
          f += 8;
        };
        take(e.usize);
        take(e.csize);
        take(e.local_offset);
      }
      x += 4 + len;
    }
    entries.push_back(std::move(e));
    pos = x_end + comment_len;
  }
  return entries;
}

std::string member_bytes(const Reader& r, const Entry& e, const std::string& where) {
  if (e.flags & 1) fail(where, "encrypted zip members are not supported");
  if (r.u32(e.local_offset) != kLocalSig) fail(where, "bad zip file: broken local header");
  const std::uint64_t data =
      e.local_offset + 30 + r.u16(e.local_offset + 26) + r.u16(e.local_offset + 28);
  std::string_view raw = r.slice(data, e.csize);
  std::string out;
  if (e.method == 0) {
    if (e.csize != e.usize) fail(where, "bad zip member: stored sizes differ");
    out.assign(raw.data(), raw.size());
  } else if (e.method == 8) {
    out = inflate_raw(raw, e.usize, where);
  } else {
    fail(where, "unsupported zip compression method " + std::to_string(e.method) +
                    " (only stored and deflated)");
  }
  if (crc_of(out) != e.crc) fail(where, "bad zip member: CRC mismatch (corrupt file)");
  return out;
}

// ---- writing ----

void put(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string deflate_raw(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw Error(ExitCode::kFailure, "zlib deflateInit2 failed");
  }
  std::string out;
  std::size_t in_pos = 0;
  constexpr std::size_t kChunk = 1u << 20;
  std::string buf(kChunk, '\0');
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    std::size_t in_n = std::min(kChunk, in.size() - in_pos);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_n);
    const bool last = in_pos + in_n == in.size();
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf.data(), buf.size() - zs.avail_out);
    } while (zs.avail_out == 0 && rc != Z_STREAM_END);
    in_pos += in_n - zs.avail_in;
  }
  deflateEnd(&zs);
  return out;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::vector<std::pair<std::string, Array>> read_npz_bytes(std::string_view bytes,
                                                          std::string_view name_for_errors,
                                                          std::uint64_t max_bytes) {
  const Reader r(bytes, name_for_errors);
  std::vector<std::pair<std::string, Array>> out;
  const std::vector<Entry> entries = read_central_directory(r, name_for_errors);
  // The declared sizes, before anything is inflated: a small file must not take gigabytes.
  std::uint64_t declared = 0;
  for (const Entry& e : entries) {
    declared += std::min<std::uint64_t>(e.usize, std::uint64_t{1} << 62);
    if (declared > max_bytes) {
      fail(name_for_errors, "its arrays unpack to more than " + std::to_string(max_bytes) +
                                " bytes (" + e.name + " declares " + std::to_string(e.usize) +
                                "); that is more than any model input here");
    }
  }
  for (const Entry& e : entries) {
    if (!e.name.empty() && e.name.back() == '/') continue;  // a directory entry
    const std::string where = std::string(name_for_errors) + ": " + e.name;
    try {
      std::string npy = member_bytes(r, e, where);
      std::string key = e.name;
      if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
      out.emplace_back(std::move(key), read_npy(npy, where));
    } catch (const std::bad_alloc&) {
      fail(where, "too large to load into memory");
    }
  }
  return out;
}

std::string write_npz_bytes(const std::vector<std::pair<std::string, Array>>& arrays,
                            bool compress) {
  std::string out;
  std::string central;
  for (const auto& [key, array] : arrays) {
    const std::string name = key + ".npy";
    if (name.size() > 0xFFFF) throw Error(ExitCode::kBadInput, "npz member name too long");
    const std::string npy = write_npy(array);
    const std::uint32_t crc = crc_of(npy);
    std::string packed;
    if (compress) packed = deflate_raw(npy);
    const std::string& payload = compress ? packed : npy;
    const std::uint64_t usize = npy.size(), csize = payload.size();
    const std::uint64_t offset = out.size();
    const bool big = usize > kZip64Limit || csize > kZip64Limit;
    // numpy opens every member with force_zip64: since Python 3.11.4 / 3.12 that makes a zip64
    // local header (version 4.5, saturated sizes, real ones in the extra field) for every member.
    // Older Pythons wrote version 2.0 with plain sizes plus the same extra; both read the same.
    const std::uint16_t version = 45;
    const std::uint16_t flags = is_ascii(name) ? 0 : 0x800;
    const std::uint16_t method = compress ? 8 : 0;

    put(out, kLocalSig, 4);
    put(out, version, 2);
    put(out, flags, 2);
    put(out, method, 2);
    put(out, 0, 2);  // DOS time 00:00:00
    put(out, kDosDate1980, 2);
    put(out, crc, 4);
    put(out, 0xFFFFFFFFu, 4);
    put(out, 0xFFFFFFFFu, 4);
    put(out, name.size(), 2);
    put(out, 20, 2);
    out += name;
    put(out, 0x0001, 2);
    put(out, 16, 2);
    put(out, usize, 8);
    put(out, csize, 8);
    out += payload;

    std::string extra;
    if (big) {
      put(extra, usize, 8);
      put(extra, csize, 8);
    }
    if (offset > kZip64Limit) put(extra, offset, 8);
    std::string extra_field;
    if (!extra.empty()) {
      put(extra_field, 0x0001, 2);
      put(extra_field, extra.size(), 2);
      extra_field += extra;
    }
    const std::uint16_t cd_version = version;
    put(central, kCentralSig, 4);
    put(central, cd_version, 1);  // version made by ...
    put(central, 3, 1);           // ... on Unix
    put(central, cd_version, 2);
    put(central, flags, 2);
    put(central, method, 2);
    put(central, 0, 2);
    put(central, kDosDate1980, 2);
    put(central, crc, 4);
    put(central, big ? 0xFFFFFFFFu : csize, 4);
    put(central, big ? 0xFFFFFFFFu : usize, 4);
    put(central, name.size(), 2);
    put(central, extra_field.size(), 2);
    put(central, 0, 2);            // comment length
    put(central, 0, 2);            // disk number
    put(central, 0, 2);            // internal attributes
    put(central, 0600u << 16, 4);  // external attributes: -rw-------
    put(central, offset > kZip64Limit ? 0xFFFFFFFFu : offset, 4);
    central += name;
    central += extra_field;
  }
  const std::uint64_t cd_offset = out.size();
  const std::uint64_t cd_size = central.size();
  const std::uint64_t count = arrays.size();
  out += central;
  if (count > kFileCountLimit || cd_offset > kZip64Limit || cd_size > kZip64Limit) {
    const std::uint64_t end64 = out.size();
    put(out, kEnd64Sig, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, count, 8);
    put(out, count, 8);
    put(out, cd_size, 8);
    put(out, cd_offset, 8);
    put(out, kEnd64LocatorSig, 4);
    put(out, 0, 4);
    put(out, end64, 8);
    put(out, 1, 4);
  }
  put(out, kEndSig, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, std::min<std::uint64_t>(count, 0xFFFF), 2);
  put(out, std::min<std::uint64_t>(count, 0xFFFF), 2);
  put(out, std::min<std::uint64_t>(cd_size, 0xFFFFFFFF), 4);
  put(out, std::min<std::uint64_t>(cd_offset, 0xFFFFFFFF), 4);
  put(out, 0, 2);
  return out;
}

std::vector<std::pair<std::string, Array>> read_npz(const std::filesystem::path& path,
                                                    std::uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::kBadInput, path.string() + ": cannot open for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ExitCode::kBadInput, path.string() + ": read error");
  return read_npz_bytes(bytes, path.string(), max_bytes);
}

void write_npz(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, Array>>& arrays, bool compress) {
  // Through a symlink to its target, into /dev/null or a FIFO without replacing them.
  write_output_file(path, write_npz_bytes(arrays, compress));
}

}  // namespace utvm::npz
