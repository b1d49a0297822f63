// .npy reading and writing: every golden array of the fixture, round trips, and the errors for what is not
// supported or not well formed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/npy.h"

namespace fishtts::io {
namespace {

const std::filesystem::path kGolden = std::filesystem::path(FISHTTS_FIXTURE_DIR) / "golden";

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// A v1.0 file with the given header dictionary and `data_bytes` zero bytes of data.
std::vector<std::byte> handmade(const std::string& dict, std::size_t data_bytes,
                                const std::string& version = std::string("\x01\x00", 2)) {
  std::string header = dict + "\n";
  std::string file = "\x93NUMPY" + version;
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header + std::string(data_bytes, '\0');
  return bytes_of(file);
}

ErrorCode parse_error(const std::vector<std::byte>& file, std::string& message) {
  try {
    parse_npy(file, "case.npy");
  } catch (const Error& e) {
    message = e.what();
    return e.code();
  }
  message = "no error";
  return ErrorCode::kInternal;
}

TEST(Npy, ReadsEveryGoldenArrayWithTheManifestShape) {
  std::ifstream in(kGolden / "manifest.json");
  nlohmann::json manifest = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& [name, entry] : manifest["arrays"].items()) {
    SCOPED_TRACE(name);
    const auto path = kGolden / entry["file"].get<std::string>();
    const std::string dtype = entry["dtype"].get<std::string>();
    if (dtype != "int16" && dtype != "int32" && dtype != "int64" && dtype != "float32") {
      // Anything else is refused with a message naming the file and the dtype.
      try {
        read_npy(path);
        ADD_FAILURE() << "accepted " << dtype;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
      }
      continue;
    }
    NpyArray array = read_npy(path);
    EXPECT_EQ(array.shape, entry["shape"].get<std::vector<std::size_t>>());
    EXPECT_EQ(array.dtype, dtype == "int16"   ? NpyDtype::kInt16
                           : dtype == "int32" ? NpyDtype::kInt32
                           : dtype == "int64" ? NpyDtype::kInt64
                                              : NpyDtype::kFloat32);
    EXPECT_EQ(array.bytes.size(), array.element_count() * npy_item_size(array.dtype));
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST(Npy, Int16PcmWidensToInt32) {
  NpyArray pcm = read_npy(kGolden / "encode_pcm16.npy");
  ASSERT_EQ(pcm.dtype, NpyDtype::kInt16);
  std::vector<int32_t> v = npy_to_int32(pcm, "pcm");
  ASSERT_EQ(v.size(), pcm.element_count());
  int16_t first;
  std::memcpy(&first, pcm.bytes.data() + 2, sizeof first);
  EXPECT_EQ(v[1], first);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 32767);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -32768);
  EXPECT_GT(*std::max_element(v.begin(), v.end()), 1000);  // a real signal, not zeros
}

TEST(Npy, GoldenValuesAreReadable) {
  // Row 0 of every prompt starts with <|interleave|> (id 795 in the fixture), rows 1.. are 0 there.
  NpyArray prompt = read_npy(kGolden / "prompt_plain_values.npy");
  std::vector<int32_t> v = npy_to_int32(prompt, "prompt");
  ASSERT_EQ(prompt.shape, (std::vector<std::size_t>{11, 15}));
  EXPECT_EQ(v[0], 795);
  for (std::size_t row = 1; row < 11; ++row) EXPECT_EQ(v[row * 15], 0);
  std::vector<float> audio = npy_to_float32(read_npy(kGolden / "decode_audio.npy"), "audio");
  float peak = 0;
  for (float x : audio) peak = std::max(peak, std::abs(x));
  EXPECT_GT(peak, 0.0f);
  EXPECT_LT(peak, 10.0f);
}

TEST(Npy, RoundTripsEachDtypeAndShape) {
  const auto dir = std::filesystem::temp_directory_path() / ("fishtts-npy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<int32_t> i32{1, -2, 3, 2147483647, -2147483647 - 1, 0};
  std::vector<int64_t> i64{1LL << 40, -5};
  std::vector<float> f32{0.5f, -1.25f, 3e-38f};
  const std::vector<NpyArray> arrays{make_npy({2, 3}, std::span<const int32_t>(i32)),
                                     make_npy({2}, std::span<const int64_t>(i64)),
                                     make_npy({3, 1, 1}, std::span<const float>(f32)),
                                     make_npy({}, std::span<const float>(f32.data(), 1)),
                                     make_npy({0, 4}, std::span<const int32_t>())};
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const auto path = dir / ("a" + std::to_string(i) + ".npy");
    write_npy(path, arrays[i]);
    NpyArray back = read_npy(path);
    EXPECT_EQ(back.dtype, arrays[i].dtype);
    EXPECT_EQ(back.shape, arrays[i].shape);
    EXPECT_EQ(back.bytes, arrays[i].bytes);
    // Data starts on a 64-byte boundary after a newline-terminated header, as NumPy writes it.
    const std::size_t data_offset = std::filesystem::file_size(path) - arrays[i].bytes.size();
    EXPECT_EQ(data_offset % 64, 0u);
    std::vector<std::byte> raw = serialize_npy(arrays[i]);
    EXPECT_EQ(static_cast<char>(raw[data_offset - 1]), '\n');
  }
  std::vector<std::byte> one_d = serialize_npy(arrays[1]);
  std::string header(reinterpret_cast<const char*>(one_d.data()) + 10, 60);
  EXPECT_NE(header.find("'shape': (2,)"), std::string::npos) << header;
  std::filesystem::remove_all(dir);
}

TEST(Npy, AcceptsVersion2AndInt64CodesWithinInt32) {
  NpyArray a = parse_npy(
      [] {
        std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n";
        std::string file = std::string("\x93NUMPY\x02\x00", 8);
        for (int i = 0; i < 4; ++i) file += static_cast<char>((header.size() >> (8 * i)) & 0xff);
        int64_t v[2] = {7, -9};
        file += header + std::string(reinterpret_cast<const char*>(v), sizeof(v));
        return bytes_of(file);
      }(),
      "v2.npy");
  EXPECT_EQ(npy_to_int32(a, "v2.npy"), (std::vector<int32_t>{7, -9}));
  int64_t big[1] = {1LL << 33};
  try {
    npy_to_int32(make_npy({1}, std::span<const int64_t>(big)), "big.npy");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("big.npy"), std::string::npos);
  }
  float f[1] = {1};
  EXPECT_THROW(npy_to_int32(make_npy({1}, std::span<const float>(f)), "f.npy"), Error);
  EXPECT_THROW(npy_to_float32(a, "v2.npy"), Error);
}

TEST(Npy, RejectsWhatItDoesNotSupportWithClearErrors) {
  struct Case {
    std::vector<std::byte> file;
    ErrorCode code;
    const char* words;
  };
  const std::string ok_dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::vector<Case> cases{
      {bytes_of("not an npy file at all"), ErrorCode::kBadFormat, "magic"},
      {handmade(ok_dict, 24, std::string("\x04\x00", 2)), ErrorCode::kUnsupported, "version 4.0"},
      {handmade("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }", 24), ErrorCode::kUnsupported, "big-endian"},
      {handmade("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16), ErrorCode::kUnsupported, "object"},
      {handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), ErrorCode::kUnsupported, "'<f8'"},
      {handmade("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", 24), ErrorCode::kUnsupported, "Fortran"},
      {handmade("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", 8), ErrorCode::kBadFormat, "structured"},
      {handmade(ok_dict, 23), ErrorCode::kBadFormat, "truncated"},
      {handmade(ok_dict, 25), ErrorCode::kBadFormat, "trailing"},
      {handmade("{'descr': '<i4', 'shape': (2, 3), }", 24), ErrorCode::kBadFormat, "lacks"},
      {handmade("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24), ErrorCode::kBadFormat, "'x'"},
      {handmade("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3), }", 24), ErrorCode::kBadFormat, "dimension"},
      {handmade("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", 0),
       ErrorCode::kOutOfRange, "too many"},
  };
  for (const Case& c : cases) {
    std::string message;
    EXPECT_EQ(parse_error(c.file, message), c.code) << message;
    EXPECT_NE(message.find(c.words), std::string::npos) << message;
    EXPECT_NE(message.find("case.npy"), std::string::npos) << message;
  }
  // Header length pointing past the end of the file.
  std::vector<std::byte> cut = handmade(ok_dict, 24);
  cut.resize(30);
  std::string message;
  EXPECT_EQ(parse_error(cut, message), ErrorCode::kBadFormat);
  EXPECT_NE(message.find("past the end"), std::string::npos) << message;
  EXPECT_THROW(read_npy("/nonexistent/x.npy"), Error);
}

}  // namespace
}  // namespace fishtts::io
