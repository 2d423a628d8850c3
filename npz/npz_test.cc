#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

namespace utvm::npz {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(UTVM_SHARED_DIR) / "fixtures" / "tvm016";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

float first_f32(const Array& a) {
  float v;
  std::memcpy(&v, a.data.data(), 4);
  return v;
}

void put(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// fixtures/tvm016/sine_inputs.npz as numpy.savez wrote it, decoded field by field. That file
// came from Python 3.11.2; Python >= 3.11.4 (zipfile's force_zip64 fix, which numpy uses) writes
// the same bytes except for the marked fields: version 4.5 and saturated local sizes.
std::string numpy_sine_inputs(bool new_python) {
  const std::string name = "dense_input.npy";
  std::string npy("\x93NUMPY\x01\x00\x76\x00", 10);
  npy += "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }";
  npy.append(127 - npy.size(), ' ');
  npy += '\n';
  npy += std::string("\x0a\x8d\x4f\x40", 4);
  const std::uint32_t crc = 0xe99dbc67;  // as stored in the file
  std::string z;
  // Local file header.
  put(z, 0x04034b50, 4);
  put(z, new_python ? 45 : 20, 2);  // version needed
  put(z, 0, 2);                     // flags
  put(z, 0, 2);                     // stored
  put(z, 0, 2);                     // time 00:00
  put(z, 0x0021, 2);                // date 1980-01-01
  put(z, crc, 4);
  put(z, new_python ? 0xFFFFFFFF : 132, 4);
  put(z, new_python ? 0xFFFFFFFF : 132, 4);
  put(z, name.size(), 2);
  put(z, 20, 2);  // extra: zip64 (id 1, 16 B: sizes)
  z += name;
  put(z, 1, 2);
  put(z, 16, 2);
  put(z, 132, 8);
  put(z, 132, 8);
  z += npy;
  // Central directory.
  const std::size_t cd = z.size();
  put(z, 0x02014b50, 4);
  put(z, new_python ? 0x032d : 0x0314, 2);  // made by 4.5 / 2.0 on Unix
  put(z, new_python ? 45 : 20, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0x0021, 2);
  put(z, crc, 4);
  put(z, 132, 4);
  put(z, 132, 4);
  put(z, name.size(), 2);
  put(z, 0, 2);  // extra
  put(z, 0, 2);  // comment
  put(z, 0, 2);  // disk
  put(z, 0, 2);  // internal attrs
  put(z, 0600u << 16, 4);
  put(z, 0, 4);  // local header offset
  z += name;
  const std::size_t cd_size = z.size() - cd;
  put(z, 0x06054b50, 4);
  put(z, 0, 4);
  put(z, 1, 2);
  put(z, 1, 2);
  put(z, cd_size, 4);
  put(z, cd, 4);
  put(z, 0, 2);
  return z;
}

// Issue 14 item 10: a small .npz whose members unpack to far more than the caller accepts is
// refused from the zip directory's declared sizes, before anything is inflated.
TEST(Reliability, NpzBombIsRefusedBeforeInflating) {
  Array zeros;
  zeros.dtype = "uint8";
  zeros.shape = {64 << 20};
  zeros.data.assign(64u << 20, '\0');
  const std::string npz = write_npz_bytes({{"a", zeros}, {"b", zeros}}, /*compress=*/true);
  zeros.data.clear();
  ASSERT_LT(npz.size(), 1u << 20);  // 128 MiB in well under 1 MiB
  try {
    read_npz_bytes(npz, "bomb.npz", 32u << 20);
    ADD_FAILURE() << "a 128 MiB npz passed a 32 MiB limit";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("bomb.npz: its arrays unpack to more than 33554432"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(read_npz_bytes(npz, "bomb.npz", 256u << 20).size(), 2u);
}

TEST(Npz, WriteMatchesNumpySavezByteForByte) {
  const std::string expected = numpy_sine_inputs(true);
  ASSERT_EQ(expected.size(), 280u);
  Array a{"float32", {1, 1}, std::string("\x0a\x8d\x4f\x40", 4)};
  EXPECT_EQ(write_npz_bytes({{"dense_input", a}}), expected);
  for (bool new_python : {false, true}) {
    auto back = read_npz_bytes(numpy_sine_inputs(new_python), "hand.npz");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].first, "dense_input");
    EXPECT_EQ(back[0].second.data, a.data);
  }
}

TEST(Npz, ReadsRealNumpyFiles) {
  if (!fs::exists(kFixtures / "sine_inputs.npz")) GTEST_SKIP() << "no " << kFixtures;
  auto in = read_npz(kFixtures / "sine_inputs.npz");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].first, "dense_input");
  EXPECT_EQ(in[0].second.dtype, "float32");
  EXPECT_EQ(in[0].second.shape, (std::vector<std::int64_t>{1, 1}));
  EXPECT_FLOAT_EQ(first_f32(in[0].second), 3.242983341217041f);
  // The hand decoding above is the real file, and our writer gives the newer-Python variant.
  EXPECT_EQ(numpy_sine_inputs(false), slurp(kFixtures / "sine_inputs.npz"));
  EXPECT_EQ(write_npz_bytes(in), numpy_sine_inputs(true));

  auto out = read_npz(kFixtures / "sine_outputs.npz");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "Identity");
  EXPECT_EQ(out[0].second.dtype, "float32");
  EXPECT_EQ(out[0].second.shape, (std::vector<std::int64_t>{1, 1}));
  EXPECT_FLOAT_EQ(first_f32(out[0].second), -3.0631906986236572f);
  const std::string real = slurp(kFixtures / "sine_outputs.npz");
  const std::string ours = write_npz_bytes(out);
  ASSERT_EQ(ours.size(), real.size());
  std::vector<std::size_t> differ;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (ours[i] != real[i]) differ.push_back(i);
  }
  // Only local version (4), local sizes (18..25), central made-by/needed (cd+4, cd+6).
  const std::size_t cd = real.find(std::string("PK\1\2", 4));
  EXPECT_EQ(differ, (std::vector<std::size_t>{4, 18, 19, 20, 21, 22, 23, 24, 25, cd + 4, cd + 6}));
}

std::vector<std::pair<std::string, Array>> sample_arrays() {
  Array big{"float32", {64, 64}, {}};
  for (int i = 0; i < 64 * 64; ++i) {
    float v = static_cast<float>(i % 17) * 0.25f;
    big.data.append(reinterpret_cast<const char*>(&v), 4);
  }
  return {{"input", big},
          {"labels", Array{"int64", {2}, std::string(16, '\x07')}},
          {"flag", Array{"bool", {}, std::string(1, '\x01')}},
          {"empty", Array{"uint8", {0, 3}, ""}}};
}

TEST(Npz, RoundTripsStoredAndDeflatedKeepingOrder) {
  const auto arrays = sample_arrays();
  for (bool compress : {false, true}) {
    const std::string z = write_npz_bytes(arrays, compress);
    EXPECT_EQ(z[8], compress ? 8 : 0);  // method of the first member
    auto back = read_npz_bytes(z, "rt.npz");
    ASSERT_EQ(back.size(), arrays.size());
    for (std::size_t i = 0; i < arrays.size(); ++i) {
      EXPECT_EQ(back[i].first, arrays[i].first);
      EXPECT_EQ(back[i].second.dtype, arrays[i].second.dtype);
      EXPECT_EQ(back[i].second.shape, arrays[i].second.shape);
      EXPECT_EQ(back[i].second.data, arrays[i].second.data);
    }
  }
  EXPECT_LT(write_npz_bytes(arrays, true).size(), write_npz_bytes(arrays, false).size() / 4);
}

TEST(Npz, DeflatedMemberIsPlainZlibRawDeflate) {
  const auto arrays = sample_arrays();
  const std::string z = write_npz_bytes({arrays[0]}, true);
  // Inflate the first member ourselves with zlib and compare with write_npy.
  const std::uint32_t csize = static_cast<unsigned char>(z[18]) |
                              static_cast<unsigned char>(z[19]) << 8 |
                              static_cast<unsigned char>(z[20]) << 16;
  const std::size_t data =
      30 + static_cast<unsigned char>(z[26]) + static_cast<unsigned char>(z[28]);
  const std::string npy = write_npy(arrays[0].second);
  std::string out(npy.size(), '\0');
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, -MAX_WBITS), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data() + data));
  zs.avail_in = csize;
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  inflateEnd(&zs);
  EXPECT_EQ(out, npy);
}

// A zip64 archive as a >2 GiB numpy file would have it: saturated 32-bit sizes and offset in
// the central directory, the real values in the zip64 extra field, and zip64 end records.
TEST(Npz, ReadsZip64Records) {
  const std::string name = "w.npy";
  const std::string npy = write_npy({"int32", {3}, std::string(12, '\x05')});
  const std::uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(npy.data()), npy.size());
  std::string z = "junk";  // the member does not start at offset 0
  const std::size_t local = z.size();
  put(z, 0x04034b50, 4);
  put(z, 45, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0, 4);
  put(z, crc, 4);
  put(z, 0xFFFFFFFF, 4);
  put(z, 0xFFFFFFFF, 4);
  put(z, name.size(), 2);
  put(z, 20, 2);
  z += name;
  put(z, 1, 2);
  put(z, 16, 2);
  put(z, npy.size(), 8);
  put(z, npy.size(), 8);
  z += npy;
  const std::size_t cd = z.size();
  put(z, 0x02014b50, 4);
  put(z, 0x032d, 2);
  put(z, 45, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0, 4);
  put(z, crc, 4);
  put(z, 0xFFFFFFFF, 4);
  put(z, 0xFFFFFFFF, 4);
  put(z, name.size(), 2);
  put(z, 4 + 24, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0, 2);
  put(z, 0, 4);
  put(z, 0xFFFFFFFF, 4);
  z += name;
  put(z, 1, 2);
  put(z, 24, 2);
  put(z, npy.size(), 8);  // uncompressed
  put(z, npy.size(), 8);  // compressed
  put(z, local, 8);       // local header offset
  const std::size_t cd_size = z.size() - cd;
  const std::size_t end64 = z.size();
  put(z, 0x06064b50, 4);
  put(z, 44, 8);
  put(z, 45, 2);
  put(z, 45, 2);
  put(z, 0, 8);
  put(z, 1, 8);
  put(z, 1, 8);
  put(z, cd_size, 8);
  put(z, cd, 8);
  put(z, 0x07064b50, 4);
  put(z, 0, 4);
  put(z, end64, 8);
  put(z, 1, 4);
  put(z, 0x06054b50, 4);
  put(z, 0, 4);
  put(z, 0xFFFF, 2);
  put(z, 0xFFFF, 2);
  put(z, 0xFFFFFFFF, 4);
  put(z, 0xFFFFFFFF, 4);
  put(z, 7, 2);
  z += "comment";  // an archive comment after the end record
  auto arrays = read_npz_bytes(z, "z64.npz");
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays[0].first, "w");
  EXPECT_EQ(arrays[0].second.shape, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(arrays[0].second.data, std::string(12, '\x05'));
}

TEST(Npz, EveryTruncationIsACleanError) {
  const std::string z = write_npz_bytes(sample_arrays(), true);
  for (std::size_t n = 0; n < z.size(); n += (n < 400 ? 1 : 97)) {
    EXPECT_EQ(code_of([&] { read_npz_bytes(std::string_view(z).substr(0, n), "cut.npz"); }),
              ExitCode::kBadInput)
        << n;
  }
}

TEST(Npz, RejectsCorruptArchivesWithContext) {
  const std::string good = write_npz_bytes(sample_arrays(), true);
  {
    std::string bad = good;
    bad[200] ^= 0x55;  // inside the first deflated member
    const std::string msg = message_of([&] { read_npz_bytes(bad, "c.npz"); });
    EXPECT_EQ(msg.rfind("c.npz: input.npy: ", 0), 0u) << msg;
  }
  {
    std::string stored = write_npz_bytes({{"a", Array{"uint8", {4}, "abcd"}}});
    std::string bad = stored;
    bad[bad.find("abcd")] = 'X';
    EXPECT_NE(message_of([&] { read_npz_bytes(bad, "c.npz"); }).find("CRC"), std::string::npos);
    // A compression method neither numpy's zipfile nor libarchive knows (13 is reserved).
    bad = stored;
    bad[8] = 13;  // in the local header
    bad[bad.find(std::string("PK\1\2", 4)) + 10] = 13;
    const std::string msg = message_of([&] { read_npz_bytes(bad, "c.npz"); });
    EXPECT_NE(msg.find("compression method (13"), std::string::npos) << msg;
    EXPECT_EQ(code_of([&] { read_npz_bytes(bad, "c.npz"); }), ExitCode::kBadInput);
  }
  EXPECT_NE(message_of([] {
              read_npz_bytes("definitely not a zip file, just text", "t.npz");
            }).find("t.npz: not a zip file"),
            std::string::npos);
  EXPECT_EQ(code_of([] { read_npz_bytes("", "e.npz"); }), ExitCode::kBadInput);
}

TEST(Npz, FileFunctionsWriteAtomicallyAndReport) {
  const fs::path dir = fs::temp_directory_path() / ("utvm_npz_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path p = dir / "out.npz";
  write_npz(p, sample_arrays(), true);
  write_npz(p, sample_arrays(), false);  // overwrite
  auto back = read_npz(p);
  EXPECT_EQ(back.size(), 4u);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "temporary file left behind";
  EXPECT_EQ(code_of([&] { write_npz(dir / "no" / "such" / "dir.npz", sample_arrays()); }),
            ExitCode::kBadInput);
  EXPECT_NE(message_of([&] { read_npz(dir / "missing.npz"); }).find("missing.npz"),
            std::string::npos);
  fs::remove_all(dir);
}

// Python's own zipfile (what numpy.savez uses) must read our files, and re-writing the members
// the way numpy does must give our bytes back. Needs only the python3 standard library.
TEST(Npz, PythonZipfileAgrees) {
  if (std::system("python3 -c 'import zipfile, ast' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 not available";
  }
  const fs::path dir = fs::temp_directory_path() / ("utvm_npz_py_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_npz(dir / "s.npz", sample_arrays(), false);
  write_npz(dir / "c.npz", sample_arrays(), true);
  std::ofstream(dir / "check.py") << R"(import ast, io, sys, zipfile
for path, method in ((sys.argv[1], zipfile.ZIP_STORED), (sys.argv[2], zipfile.ZIP_DEFLATED)):
    data = open(path, 'rb').read()
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.testzip() is None
    names = [i.filename for i in z.infolist()]
    assert names == ['input.npy', 'labels.npy', 'flag.npy', 'empty.npy'], names
    hdr = z.read('input.npy')
    assert hdr[:8] == b'\x93NUMPY\x01\x00'
    hlen = int.from_bytes(hdr[8:10], 'little')
    d = ast.literal_eval(hdr[10:10 + hlen].decode('latin1'))
    assert d == {'descr': '<f4', 'fortran_order': False, 'shape': (64, 64)}, d
    assert (10 + hlen) % 64 == 0
    # numpy.savez: zipfile.ZipFile(mode='w', allowZip64=True), open(name, 'w', force_zip64=True)
    if sys.version_info >= (3, 11, 4):
        out = io.BytesIO()
        with zipfile.ZipFile(out, mode='w', compression=method, allowZip64=True) as w:
            for n in names:
                with w.open(n, 'w', force_zip64=True) as f:
                    f.write(z.read(n))
        assert out.getvalue() == data, path
print('ok')
)";
  const std::string cmd = "python3 '" + (dir / "check.py").string() + "' '" +
                          (dir / "s.npz").string() + "' '" + (dir / "c.npz").string() + "' > '" +
                          (dir / "log").string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir / "log");
  fs::remove_all(dir);
}

// np.load reads whatever Python's zipfile reads, bzip2 and LZMA members included; so does utvm.
TEST(Npz, ReadsTheCompressionMethodsNumpyReads) {
  if (std::system("python3 -c 'import zipfile, bz2, lzma' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with bz2 and lzma not available";
  }
  const fs::path dir =
      fs::temp_directory_path() / ("utvm_npz_methods_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_npz(dir / "s.npz", sample_arrays(), false);
  std::ofstream(dir / "repack.py") << R"(import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
for out, method in ((sys.argv[2], zipfile.ZIP_BZIP2), (sys.argv[3], zipfile.ZIP_LZMA)):
    with zipfile.ZipFile(out, 'w', compression=method) as w:
        for n in src.namelist():
            w.writestr(n, src.read(n))
)";
  const std::string cmd = "python3 '" + (dir / "repack.py").string() + "' '" +
                          (dir / "s.npz").string() + "' '" + (dir / "b.npz").string() + "' '" +
                          (dir / "l.npz").string() + "' > '" + (dir / "log").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir / "log");
  const auto want = read_npz(dir / "s.npz");
  for (const char* name : {"b.npz", "l.npz"}) {
    const auto got = read_npz(dir / name);
    ASSERT_EQ(got.size(), want.size()) << name;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].first, want[i].first) << name;
      EXPECT_EQ(got[i].second.data, want[i].second.data) << name;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace utvm::npz
