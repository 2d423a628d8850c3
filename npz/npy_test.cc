#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

namespace utvm::npz {
namespace {

std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
  }
  return out;
}

// An .npy file with the given version and header text, padded like numpy does.
std::string make_npy(int major, const std::string& header, const std::string& data) {
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const std::uint32_t len = static_cast<std::uint32_t>(header.size());
  const int n = major == 1 ? 2 : 4;
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<char>(len >> (8 * i)));
  return out + header + data;
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

TEST(Dtype, DescrAndSize) {
  EXPECT_EQ(numpy_descr("float32"), "<f4");
  EXPECT_EQ(numpy_descr("float16"), "<f2");
  EXPECT_EQ(numpy_descr("float64"), "<f8");
  EXPECT_EQ(numpy_descr("int8"), "|i1");
  EXPECT_EQ(numpy_descr("uint8"), "|u1");
  EXPECT_EQ(numpy_descr("int16"), "<i2");
  EXPECT_EQ(numpy_descr("uint64"), "<u8");
  EXPECT_EQ(numpy_descr("bool"), "|b1");
  EXPECT_EQ(dtype_size("int64"), 8u);
  EXPECT_EQ(dtype_size("uint16"), 2u);
  EXPECT_EQ(dtype_size("bool"), 1u);
  EXPECT_EQ(code_of([] { numpy_descr("complex64"); }), ExitCode::kBadInput);
  EXPECT_EQ(code_of([] { dtype_size("float"); }), ExitCode::kBadInput);
}

// The member numpy.savez wrote into fixtures/tvm016/sine_inputs.npz, decoded by hand:
// magic, version 1.0, header length 0x76 = 118, the dict, 20 spare spaces for the first axis,
// padding to 128 B total, '\n', then 3.242983f little-endian.
TEST(Npy, WriteMatchesNumpyByteForByte) {
  std::string expected("\x93NUMPY\x01\x00\x76\x00", 10);
  expected += "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }";
  expected.append(128 - 1 - expected.size(), ' ');
  expected += "\n";
  expected += std::string("\x0a\x8d\x4f\x40", 4);
  ASSERT_EQ(expected.size(), 132u);

  Array a{"float32", {1, 1}, std::string("\x0a\x8d\x4f\x40", 4)};
  EXPECT_EQ(write_npy(a), expected);

  Array back = read_npy(expected, "x.npy");
  EXPECT_EQ(back.dtype, "float32");
  EXPECT_EQ(back.shape, (std::vector<std::int64_t>{1, 1}));
  float v;
  std::memcpy(&v, back.data.data(), 4);
  EXPECT_FLOAT_EQ(v, 3.242983341217041f);
}

TEST(Npy, HeaderIsAlignedTo64AndShapeReprsArePython) {
  for (const auto& shape :
       std::vector<std::vector<std::int64_t>>{{}, {3}, {2, 3}, {1, 2, 3, 4}, {123456789, 0}}) {
    Array a{"int16", shape, {}};
    a.data.resize(a.element_count() * 2, '\x01');
    std::string npy = write_npy(a);
    const std::size_t header_end =
        10 + static_cast<unsigned char>(npy[8]) + 256 * static_cast<unsigned char>(npy[9]);
    EXPECT_EQ(header_end % 64, 0u);
    EXPECT_EQ(npy[header_end - 1], '\n');
    Array back = read_npy(npy, "t");
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.data, a.data);
  }
  EXPECT_NE(write_npy({"int8", {}, "x"}).find("'shape': (), }"), std::string::npos);
  EXPECT_NE(write_npy({"int8", {3}, "xyz"}).find("'shape': (3,), }"), std::string::npos);
}

TEST(Npy, RoundTripsEveryDtype) {
  for (const char* dt : {"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                         "float16", "float32", "float64", "bool"}) {
    Array a{dt, {2, 3}, {}};
    for (std::uint64_t i = 0; i < 6 * dtype_size(dt); ++i) {
      a.data.push_back(static_cast<char>(i * 37 + 1));
    }
    Array back = read_npy(write_npy(a), dt);
    EXPECT_EQ(back.dtype, dt);
    EXPECT_EQ(back.shape, a.shape);
    EXPECT_EQ(back.data, a.data);
  }
}

TEST(Npy, ReadsVersion2And3) {
  const std::string data = f32_bytes({1.5f, -2.0f});
  for (int major : {2, 3}) {
    Array a = read_npy(
        make_npy(major, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}\n", data),
        "v");
    EXPECT_EQ(a.dtype, "float32");
    EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2}));
    EXPECT_EQ(a.data, data);
  }
}

TEST(Npy, WritesVersion2WhenTheHeaderIsHuge) {
  Array a{"uint8", std::vector<std::int64_t>(30000, 1), "z"};
  std::string npy = write_npy(a);
  EXPECT_EQ(npy[6], '\x02');
  Array back = read_npy(npy, "big");
  EXPECT_EQ(back.shape.size(), 30000u);
  EXPECT_EQ(back.data, "z");
}

TEST(Npy, ConvertsBigEndianToLittle) {
  std::string be("\x00\x00\x01\x02\xff\xff\xff\xfe", 8);
  Array a =
      read_npy(make_npy(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be), "be");
  EXPECT_EQ(a.dtype, "int32");
  std::int32_t v[2];
  std::memcpy(v, a.data.data(), 8);
  EXPECT_EQ(v[0], 0x0102);
  EXPECT_EQ(v[1], -2);
}

TEST(Npy, TransposesFortranOrder) {
  // A 2x3 matrix [[0,1,2],[3,4,5]] stored column-major: 0,3,1,4,2,5.
  std::string f("\x00\x03\x01\x04\x02\x05", 6);
  Array a =
      read_npy(make_npy(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", f), "f");
  EXPECT_EQ(a.data, std::string("\x00\x01\x02\x03\x04\x05", 6));

  // 2x2x2, element (i,j,k) = 4i+2j+k; Fortran offset is i + 2j + 4k.
  std::string f3(8, '\0');
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        f3[i + 2 * j + 4 * k] = static_cast<char>(4 * i + 2 * j + k);
  Array b = read_npy(make_npy(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 2, 2), }",
                              [&] {
                                std::string w;
                                for (char c : f3)
                                  w += std::string{c, '\0'};
                                return w;
                              }()),
                     "f3");
  for (int n = 0; n < 8; ++n)
    EXPECT_EQ(b.data[2 * n], static_cast<char>(n)) << n;
}

TEST(Npy, AcceptsPython2LongsAndTrailingCommas) {
  Array a = read_npy(make_npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3L, ), }",
                              std::string("\1\0\1", 3)),
                     "py2");
  EXPECT_EQ(a.dtype, "bool");
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{3}));
}

TEST(Npy, RejectsBadInputWithContext) {
  const std::string ok_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  const std::string four("\0\0\x80\x3f", 4);
  struct Case {
    std::string bytes;
    std::string needle;
  } cases[] = {
      {"", "truncated"},
      {std::string("\x93NUMPY\x01\x00", 8), "truncated"},
      {"PK\3\4whatever.....", "magic"},
      {std::string("\x93NUMPY\x01\x00\xff\x00{}", 12), "truncated .npy header"},
      {make_npy(4, ok_header, four), "version"},
      {make_npy(1, ok_header, four.substr(0, 3)), "truncated data"},
      {make_npy(1, ok_header, four + "x"), "data size mismatch"},
      {make_npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", four + four),
       "unsupported dtype"},
      {make_npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", four),
       "unsupported dtype"},
      {make_npy(1, "{'descr': '<f4', 'shape': (1,), }", four), "needs"},
      {make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", four),
       "unexpected key"},
      {make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four),
       "bad .npy header"},
      {make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", four),
       "bad .npy header"},
      {make_npy(1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, "
                "4294967296), }",
                four),
       "too large"},
  };
  for (const auto& c : cases) {
    const std::string msg = message_of([&] { read_npy(c.bytes, "in.npz: a.npy"); });
    EXPECT_NE(msg.find(c.needle), std::string::npos) << msg << " (wanted " << c.needle << ")";
    EXPECT_EQ(msg.rfind("in.npz: a.npy: ", 0), 0u) << msg;
    EXPECT_EQ(code_of([&] { read_npy(c.bytes, "x"); }), ExitCode::kBadInput);
  }
}

TEST(Npy, WriteRejectsInconsistentArrays) {
  EXPECT_EQ(code_of([] { write_npy({"float32", {2}, "abc"}); }), ExitCode::kBadInput);
  EXPECT_EQ(code_of([] { write_npy({"float32", {-1}, ""}); }), ExitCode::kBadInput);
  EXPECT_EQ(code_of([] { write_npy({"str", {1}, "a"}); }), ExitCode::kBadInput);
}

TEST(Npy, AcceptsEveryByteOrderSpelling) {
  const std::string one("\x2a", 1), f("\0\0\x80\x3f", 4);
  EXPECT_EQ(
      read_npy(make_npy(1, "{'descr':'<i1','fortran_order':False,'shape':(1,)}", one), "a").dtype,
      "int8");
  EXPECT_EQ(
      read_npy(make_npy(1, "{'descr': '=f4', 'fortran_order': False, 'shape': ()}", f), "b").data,
      f);
  EXPECT_EQ(
      read_npy(make_npy(1, "{'shape': (1, 1), 'fortran_order': True, 'descr': '?1'}", one), "c")
          .dtype,
      "bool");
  Array be = read_npy(make_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}",
                               std::string("\x3f\x80\0\0", 4)),
                      "d");
  EXPECT_EQ(be.data, f);
}

}  // namespace
}  // namespace utvm::npz
