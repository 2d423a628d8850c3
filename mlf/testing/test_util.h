// Test helpers: build tar archives (ustar, optional PAX records, any type flag) and TVM params
// blobs in memory, so tests can make both good MLFs and hostile ones without fixtures.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "utvm/mlf/params.h"

namespace utvm::mlf::testing {

class TarWriter {
 public:
  // type: '0' file, '5' dir, '2' symlink, '1' hardlink, '6' fifo, '3' char device.
  TarWriter& entry(const std::string& name, const std::string& data, char type = '0',
                   const std::string& link = "", bool pax = false,
                   std::uint64_t declared_size = UINT64_MAX) {
    if (pax) {
      std::string rec = record("path", name) + record("mtime", "1639499404.7125788");
      header("./PaxHeaders/x", rec.size(), 'x', "");
      out_ += rec;
      pad();
    }
    header(name.size() < 100 ? name : name.substr(0, 99),
           declared_size == UINT64_MAX ? data.size() : declared_size, type, link);
    out_ += data;
    pad();
    return *this;
  }
  TarWriter& file(const std::string& name, const std::string& data, bool pax = false) {
    return entry(name, data, '0', "", pax);
  }
  TarWriter& dir(const std::string& name) { return entry(name, "", '5'); }
  // Two zero blocks, padded to a 10 240-byte record like Python's tarfile.
  std::string finish() const {
    std::string s = out_ + std::string(1024, '\0');
    s.resize((s.size() + 10239) / 10240 * 10240, '\0');
    return s;
  }
  const std::string& raw() const { return out_; }

 private:
  static std::string record(const std::string& key, const std::string& value) {
    std::string body = " " + key + "=" + value + "\n";
    std::size_t len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len)
      ++len;
    return std::to_string(len) + body;
  }
  static void octal(char* field, std::size_t width, std::uint64_t v) {
    std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                  static_cast<unsigned long long>(v));
  }
  void header(const std::string& name, std::uint64_t size, char type, const std::string& link) {
    char h[512] = {};
    std::memcpy(h, name.data(), std::min<std::size_t>(name.size(), 100));
    octal(h + 100, 8, type == '5' ? 0755 : 0644);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    if (size > 077777777777ull) {  // base-256 for huge declared sizes
      h[124] = static_cast<char>(0x80);
      for (int i = 0; i < 8; ++i)
        h[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
    } else {
      octal(h + 124, 12, size);
    }
    octal(h + 136, 12, 1639499404);
    std::memset(h + 148, ' ', 8);
    h[156] = type;
    std::memcpy(h + 157, link.data(), std::min<std::size_t>(link.size(), 100));
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 265, "root", 4);
    std::memcpy(h + 297, "root", 4);
    unsigned sum = 0;
    for (unsigned char c : h)
      sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    out_.append(h, 512);
  }
  void pad() { out_.resize((out_.size() + 511) / 512 * 512, '\0'); }

  std::string out_;
};

inline void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    s += static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s += static_cast<char>((v >> (8 * i)) & 0xff);
}

struct RawParam {
  std::string name;
  std::uint8_t code, bits;
  std::vector<std::int64_t> shape;
  std::string data;
  std::uint16_t lanes = 1;
};

// Encodes like tvm.runtime.save_param_dict (spec/mlf.md §4).
inline std::string encode_params(const std::vector<RawParam>& params) {
  std::string s;
  put_u64(s, 0xF7E58D4F05049CB7ull);
  put_u64(s, 0);
  put_u64(s, params.size());
  for (const auto& p : params) {
    put_u64(s, p.name.size());
    s += p.name;
  }
  put_u64(s, params.size());
  for (const auto& p : params) {
    put_u64(s, 0xDD5E40F096B4A13Full);
    put_u64(s, 0);
    put_u32(s, 1);
    put_u32(s, 0);
    put_u32(s, static_cast<std::uint32_t>(p.shape.size()));
    s += static_cast<char>(p.code);
    s += static_cast<char>(p.bits);
    s += static_cast<char>(p.lanes & 0xff);
    s += static_cast<char>(p.lanes >> 8);
    for (auto d : p.shape)
      put_u64(s, static_cast<std::uint64_t>(d));
    put_u64(s, p.data.size());
    s += p.data;
  }
  return s;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("utvm-mlf-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string shared_dir() {
  return UTVM_SHARED_DIR;
}
inline bool have_fixtures() {
  return std::filesystem::exists(shared_dir() + "/fixtures/mlf/README.md");
}

}  // namespace utvm::mlf::testing
