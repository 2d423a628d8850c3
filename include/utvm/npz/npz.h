// NumPy .npy / .npz files: how utvm reads model inputs and writes model outputs.
//
// Promises:
// - read_npy accepts format versions 1.0, 2.0 and 3.0, little-, big-endian and '|' descrs and
//   fortran_order True; the Array it returns is always little-endian, C order.
// - read_npz accepts stored and deflated zip members, with or without zip64 records (numpy writes
//   a zip64 extra field for every member); member CRCs are checked.
// - write_npy / write_npz produce what numpy.save / numpy.savez (savez_compressed when compress is
//   true) produce for the same array, byte for byte, so numpy.load reads them.
// - Every problem a user can cause is a utvm::Error(ExitCode::kBadInput, "<file>: <member>: ...").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace utvm::npz {

struct Array {
  // Canonical name: "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
  // "float16", "float32", "float64" or "bool".
  std::string dtype;
  std::vector<std::int64_t> shape;  // empty for a 0-d (scalar) array
  std::string data;                 // raw little-endian C-order bytes

  std::uint64_t element_count() const;
};

// One .npy file held in memory. name_for_errors prefixes error messages ("in.npz: x.npy").
Array read_npy(std::string_view bytes, std::string_view name_for_errors);
std::string write_npy(const Array& array);

// Unpacked bytes read_npz accepts unless told otherwise (checked against the zip directory's
// declared sizes before anything is inflated).
inline constexpr std::uint64_t kDefaultMaxNpzBytes = std::uint64_t{1} << 30;

// Arrays of an .npz file, keys without ".npy", in archive order. Files whose members declare more
// than `max_bytes` in total are refused (kBadInput) before inflating.
std::vector<std::pair<std::string, Array>> read_npz(const std::filesystem::path& path,
                                                    std::uint64_t max_bytes = kDefaultMaxNpzBytes);
// Writes atomically (temporary file beside `path`, then rename).
void write_npz(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, Array>>& arrays, bool compress = false);

// The same, on bytes in memory (what the file functions use; handy for tests and fuzzing).
std::vector<std::pair<std::string, Array>> read_npz_bytes(
    std::string_view bytes, std::string_view name_for_errors,
    std::uint64_t max_bytes = kDefaultMaxNpzBytes);
std::string write_npz_bytes(const std::vector<std::pair<std::string, Array>>& arrays,
                            bool compress = false);

// "float32" -> "<f4", "int8" -> "|i1", "bool" -> "|b1". Throws kBadInput for unknown dtypes.
std::string numpy_descr(std::string_view dtype);
// Bytes per element: "float32" -> 4. Throws kBadInput for unknown dtypes.
std::uint64_t dtype_size(std::string_view dtype);

}  // namespace utvm::npz
