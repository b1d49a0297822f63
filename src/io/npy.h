// NumPy .npy files: the interchange format of reference codes and golden arrays.
// Supports little-endian int16 (PCM) / int32 / int64 / float32 in C order (format versions 1.0, 2.0 and 3.0 when reading;
// 1.0, or 2.0 for a huge header, when writing). Anything else is rejected with an error naming the source and
// the problem: NumPy's format is small and there is no Debian C++ library for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace fishtts::io {

enum class NpyDtype { kInt16, kInt32, kInt64, kFloat32 };

// "<i2", "<i4", "<i8", "<f4" and the element size in bytes.
const char* npy_descr(NpyDtype dtype);
std::size_t npy_item_size(NpyDtype dtype);

// An array as stored in the file: dtype, shape (empty = scalar) and the raw little-endian bytes in C order.
struct NpyArray {
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<std::size_t> shape;
  std::vector<std::byte> bytes;

  std::size_t element_count() const;  // product of shape (1 for a scalar)
};

// Parses a whole .npy file image. `source` names it in error messages (a path or "<memory>").
NpyArray parse_npy(std::span<const std::byte> file, const std::string& source);
NpyArray read_npy(const std::filesystem::path& path);

std::vector<std::byte> serialize_npy(const NpyArray& array);
void write_npy(const std::filesystem::path& path, const NpyArray& array);

// Typed construction and access. The int32 reader also accepts int16 files and int64 files (PyTorch saves codes as int64) and
// fails on values outside the int32 range; reading float32 requires a float32 file.
NpyArray make_npy(std::vector<std::size_t> shape, std::span<const int32_t> values);
NpyArray make_npy(std::vector<std::size_t> shape, std::span<const int64_t> values);
NpyArray make_npy(std::vector<std::size_t> shape, std::span<const float> values);
std::vector<int32_t> npy_to_int32(const NpyArray& array, const std::string& source);
std::vector<float> npy_to_float32(const NpyArray& array, const std::string& source);

// "[11, 15]" for messages.
std::string shape_to_string(std::span<const std::size_t> shape);

}  // namespace fishtts::io
