// .npz = a zip archive of .npy members (numpy.savez / savez_compressed). libarchive reads it (the
// central directory, zip64 records, every compression method Python's zipfile reads, CRC checks);
// the writer mirrors what Python's zipfile writes for numpy: a zip64 local header for every
// member, DOS date 1980-01-01, mode 0600.
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
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

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw Error(ExitCode::kBadInput, std::string(where) + ": " + what);
}

std::uint32_t crc_of(std::string_view data) {
  return static_cast<std::uint32_t>(
      crc32_z(0L, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// ---- reading ----

// One pass over the members of a zip held in memory (libarchive's seekable zip reader, which
// follows the central directory).
class ZipMembers {
 public:
  ZipMembers(std::string_view bytes, std::string_view where)
      : a_(archive_read_new(), archive_read_free), where_(where) {
    if (!a_) throw std::bad_alloc();
    archive_read_support_format_zip_seekable(a_.get());
    if (archive_read_open_memory(a_.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
      fail(where_, std::string("not a zip file (") + error() + ")");
  }

  // The next member's header; nullptr after the last one.
  archive_entry* next() {
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a_.get(), &e);
    if (rc == ARCHIVE_EOF) return nullptr;
    if (rc != ARCHIVE_OK) fail(where_, std::string("bad zip file: ") + error());
    return e;
  }

  // The current member's bytes (one copy out of libarchive's blocks); more than `declared` is
  // refused while reading.
  std::string data(std::uint64_t declared, const std::string& where) {
    std::string out;
    out.reserve(static_cast<std::size_t>(declared));
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t offset = 0;
      const int rc = archive_read_data_block(a_.get(), &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK) fail(where, std::string("bad zip member: ") + error());
      if (offset < 0 || static_cast<std::uint64_t>(offset) != out.size())
        fail(where, "bad zip member: data out of order");
      if (out.size() + size > declared)
        fail(where, "bad zip member: unpacks to more than the " + std::to_string(declared) +
                        " B the directory says");
      out.append(static_cast<const char*>(block), size);
    }
    return out;
  }

 private:
  const char* error() const {
    const char* e = archive_error_string(a_.get());
    return e ? e : "unknown libarchive error";
  }

  std::unique_ptr<archive, int (*)(archive*)> a_;
  std::string_view where_;
};

std::string member_name(archive_entry* e, std::string_view where) {
  const char* name = archive_entry_pathname(e);
  if (!name) fail(where, "bad zip file: a member name libarchive cannot read");
  return name;
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
  // The declared sizes, before anything is inflated: a small file must not take gigabytes.
  std::vector<std::uint64_t> declared_sizes;
  {
    ZipMembers members(bytes, name_for_errors);
    std::uint64_t declared = 0;
    while (archive_entry* e = members.next()) {
      const std::uint64_t size =
          archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
      declared += std::min<std::uint64_t>(size, std::uint64_t{1} << 62);
      if (declared > max_bytes) {
        fail(name_for_errors, "its arrays unpack to more than " + std::to_string(max_bytes) +
                                  " bytes (" + member_name(e, name_for_errors) + " declares " +
                                  std::to_string(size) +
                                  "); that is more than any model input here");
      }
      declared_sizes.push_back(archive_entry_size_is_set(e) ? size : max_bytes - declared);
    }
  }
  std::vector<std::pair<std::string, Array>> out;
  ZipMembers members(bytes, name_for_errors);
  for (const std::uint64_t declared : declared_sizes) {
    archive_entry* e = members.next();
    if (!e) fail(name_for_errors, "bad zip file: members changed between two reads");
    const std::string name = member_name(e, name_for_errors);
    if (!name.empty() && name.back() == '/') continue;  // a directory entry
    const std::string where = std::string(name_for_errors) + ": " + name;
    if (archive_entry_is_encrypted(e)) fail(where, "encrypted zip members are not supported");
    try {
      std::string npy = members.data(declared, where);
      std::string key = name;
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
