#include "io/npy.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>

#include "common/error.h"

namespace fishtts::io {
namespace {

static_assert(std::endian::native == std::endian::little, "npy I/O copies little-endian data as is");

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kPreambleV1 = 10;  // magic(6) + version(2) + u16 header length
constexpr std::size_t kPreambleV2 = 12;  // magic(6) + version(2) + u32 header length
constexpr std::size_t kHeaderAlignment = 64;

[[noreturn]] void fail(ErrorCode code, const std::string& source, const std::string& problem) {
  throw Error(code, "npy " + source + ": " + problem);
}

// Reads the header dictionary, a Python literal such as
// {'descr': '<i4', 'fortran_order': False, 'shape': (11, 15), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  NpyArray parse() {
    expect('{');
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<std::vector<std::size_t>> shape;
    while (!consume('}')) {
      std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        skip_space();
        if (peek() != '\'' && peek() != '"') bad("'descr' is not a string (structured dtypes are not supported)");
        descr = parse_string();
      } else if (key == "fortran_order") {
        fortran_order = parse_bool();
      } else if (key == "shape") {
        shape = parse_shape();
      } else {
        bad("unexpected header key '" + key + "'");
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) bad("trailing characters after the header dictionary");
    if (!descr || !fortran_order || !shape) bad("header lacks one of 'descr', 'fortran_order', 'shape'");
    if (*fortran_order) fail(ErrorCode::kUnsupported, source_, "Fortran-order arrays are not supported");
    NpyArray array;
    array.dtype = dtype_from_descr(*descr);
    array.shape = std::move(*shape);
    return array;
  }

 private:
  NpyDtype dtype_from_descr(const std::string& descr) const {
    if (descr == "<i2") return NpyDtype::kInt16;
    if (descr == "<i4") return NpyDtype::kInt32;
    if (descr == "<i8") return NpyDtype::kInt64;
    if (descr == "<f4") return NpyDtype::kFloat32;
    std::string why = "dtype '" + descr + "' is not supported (expected '<i2', '<i4', '<i8' or '<f4')";
    if (!descr.empty() && descr[0] == '>') why += "; big-endian data is not supported";
    if (descr.find('O') != std::string::npos) why += "; object arrays are not supported";
    fail(ErrorCode::kUnsupported, source_, why);
  }

  [[noreturn]] void bad(const std::string& problem) const {
    fail(ErrorCode::kBadFormat, source_, "bad header at character " + std::to_string(pos_) + ": " + problem);
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool consume(char c) {
    skip_space();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!consume(c)) bad(std::string("expected '") + c + "'");
  }
  std::string parse_string() {
    skip_space();
    char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    ++pos_;
    std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  bool parse_bool() {
    skip_space();
    static constexpr std::pair<std::string_view, bool> kWords[] = {{"True", true}, {"False", false}};
    for (auto [word, value] : kWords) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    bad("expected True or False");
  }
  std::size_t parse_dimension() {
    skip_space();
    std::size_t value = 0;
    std::size_t digits = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) bad("dimension overflows");
      value = value * 10 + digit;
      ++pos_;
      ++digits;
    }
    if (digits == 0) bad("expected a non-negative integer dimension");
    // Python 2 era files may write 11L.
    if (peek() == 'L') ++pos_;
    return value;
  }
  std::vector<std::size_t> parse_shape() {
    expect('(');
    std::vector<std::size_t> shape;
    while (!consume(')')) {
      shape.push_back(parse_dimension());
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
};

std::size_t checked_element_count(std::span<const std::size_t> shape, const std::string& source) {
  std::size_t count = 1;
  for (std::size_t dim : shape) {
    if (dim != 0 && count > std::numeric_limits<std::size_t>::max() / dim)
      fail(ErrorCode::kOutOfRange, source, "shape " + shape_to_string(shape) + " has too many elements");
    count *= dim;
  }
  return count;
}

uint32_t read_le(std::span<const std::byte> bytes) {
  uint32_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) value = (value << 8) | std::to_integer<uint32_t>(bytes[i]);
  return value;
}

template <typename T>
NpyArray make_typed(NpyDtype dtype, std::vector<std::size_t> shape, std::span<const T> values) {
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  if (checked_element_count(array.shape, "<memory>") != values.size())
    throw Error(ErrorCode::kInvalidArgument, "npy: shape " + shape_to_string(array.shape) + " does not hold " +
                                                 std::to_string(values.size()) + " values");
  array.bytes.resize(values.size_bytes());
  if (!values.empty()) std::memcpy(array.bytes.data(), values.data(), values.size_bytes());
  return array;
}

}  // namespace

const char* npy_descr(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::kInt16: return "<i2";
    case NpyDtype::kInt32: return "<i4";
    case NpyDtype::kInt64: return "<i8";
    case NpyDtype::kFloat32: return "<f4";
  }
  return "?";
}

std::size_t npy_item_size(NpyDtype dtype) {
  return dtype == NpyDtype::kInt64 ? 8 : dtype == NpyDtype::kInt16 ? 2 : 4;
}

std::size_t NpyArray::element_count() const {
  std::size_t count = 1;
  for (std::size_t dim : shape) count *= dim;
  return count;
}

std::string shape_to_string(std::span<const std::size_t> shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

NpyArray parse_npy(std::span<const std::byte> file, const std::string& source) {
  if (file.size() < kPreambleV1 ||
      std::memcmp(file.data(), kMagic.data(), kMagic.size()) != 0)
    fail(ErrorCode::kBadFormat, source, "not a .npy file (missing the \\x93NUMPY magic)");
  const auto major = std::to_integer<int>(file[6]);
  const auto minor = std::to_integer<int>(file[7]);
  std::size_t preamble = 0;
  if (major == 1 && minor == 0) {
    preamble = kPreambleV1;
  } else if ((major == 2 || major == 3) && minor == 0) {
    preamble = kPreambleV2;
  } else {
    fail(ErrorCode::kUnsupported, source,
         "format version " + std::to_string(major) + "." + std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)");
  }
  if (file.size() < preamble) fail(ErrorCode::kBadFormat, source, "file ends inside the preamble");
  const std::size_t header_size = read_le(file.subspan(8, preamble - 8));
  if (file.size() - preamble < header_size)
    fail(ErrorCode::kBadFormat, source,
         "header of " + std::to_string(header_size) + " bytes runs past the end of the file (" +
             std::to_string(file.size()) + " bytes)");
  std::string_view header(reinterpret_cast<const char*>(file.data() + preamble), header_size);
  NpyArray array = HeaderParser(header, source).parse();

  const std::size_t count = checked_element_count(array.shape, source);
  const std::size_t item = npy_item_size(array.dtype);
  if (count > std::numeric_limits<std::size_t>::max() / item)
    fail(ErrorCode::kOutOfRange, source, "shape " + shape_to_string(array.shape) + " is too large");
  const std::size_t expected = count * item;
  const std::size_t available = file.size() - preamble - header_size;
  if (available != expected)
    fail(ErrorCode::kBadFormat, source,
         std::string(available < expected ? "truncated" : "trailing bytes") + ": shape " +
             shape_to_string(array.shape) + " of " + npy_descr(array.dtype) + " needs " + std::to_string(expected) +
             " data bytes, file has " + std::to_string(available));
  auto data = file.subspan(preamble + header_size);
  array.bytes.assign(data.begin(), data.end());
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "npy " + path.string() + ": cannot open file");
  std::vector<char> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorCode::kIo, "npy " + path.string() + ": read failed");
  return parse_npy(std::as_bytes(std::span(content)), path.string());
}

std::vector<std::byte> serialize_npy(const NpyArray& array) {
  const std::size_t expected = checked_element_count(array.shape, "<memory>") * npy_item_size(array.dtype);
  if (array.bytes.size() != expected)
    throw Error(ErrorCode::kInvalidArgument, "npy: shape " + shape_to_string(array.shape) + " of " +
                                                 npy_descr(array.dtype) + " needs " + std::to_string(expected) +
                                                 " bytes, array holds " + std::to_string(array.bytes.size()));
  std::string shape = "(";
  for (std::size_t dim : array.shape) shape += std::to_string(dim) + ", ";
  if (array.shape.size() == 1) {
    shape.pop_back();  // "(5,)" is the 1-tuple
  } else if (!array.shape.empty()) {
    shape.resize(shape.size() - 2);
  }
  shape += ")";
  std::string header = std::string("{'descr': '") + npy_descr(array.dtype) + "', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  // Pad with spaces and a final newline so that the data starts on a 64-byte boundary.
  const bool v1 = header.size() + 1 + kPreambleV1 <= 65535;
  const std::size_t preamble = v1 ? kPreambleV1 : kPreambleV2;
  const std::size_t total = (preamble + header.size() + 1 + kHeaderAlignment - 1) / kHeaderAlignment * kHeaderAlignment;
  header.append(total - preamble - header.size() - 1, ' ');
  header += '\n';

  std::vector<std::byte> out;
  out.reserve(total + array.bytes.size());
  for (char c : kMagic) out.push_back(static_cast<std::byte>(c));
  out.push_back(std::byte{static_cast<unsigned char>(v1 ? 1 : 2)});
  out.push_back(std::byte{0});
  for (std::size_t i = 0; i < preamble - 8; ++i) out.push_back(static_cast<std::byte>((header.size() >> (8 * i)) & 0xff));
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

void write_npy(const std::filesystem::path& path, const NpyArray& array) {
  const std::vector<std::byte> content = serialize_npy(array);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::kIo, "npy " + path.string() + ": cannot create file");
  out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw Error(ErrorCode::kIo, "npy " + path.string() + ": write failed");
}

NpyArray make_npy(std::vector<std::size_t> shape, std::span<const int32_t> values) {
  return make_typed(NpyDtype::kInt32, std::move(shape), values);
}
NpyArray make_npy(std::vector<std::size_t> shape, std::span<const int64_t> values) {
  return make_typed(NpyDtype::kInt64, std::move(shape), values);
}
NpyArray make_npy(std::vector<std::size_t> shape, std::span<const float> values) {
  return make_typed(NpyDtype::kFloat32, std::move(shape), values);
}

std::vector<int32_t> npy_to_int32(const NpyArray& array, const std::string& source) {
  const std::size_t count = array.element_count();
  std::vector<int32_t> values(count);
  if (array.dtype == NpyDtype::kInt32) {
    if (count) std::memcpy(values.data(), array.bytes.data(), count * sizeof(int32_t));
  } else if (array.dtype == NpyDtype::kInt16) {
    for (std::size_t i = 0; i < count; ++i) {
      int16_t narrow;
      std::memcpy(&narrow, array.bytes.data() + i * sizeof(int16_t), sizeof(narrow));
      values[i] = narrow;
    }
  } else if (array.dtype == NpyDtype::kInt64) {
    for (std::size_t i = 0; i < count; ++i) {
      int64_t wide;
      std::memcpy(&wide, array.bytes.data() + i * sizeof(int64_t), sizeof(wide));
      if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max())
        fail(ErrorCode::kOutOfRange, source,
             "int64 value " + std::to_string(wide) + " at flat index " + std::to_string(i) + " does not fit int32");
      values[i] = static_cast<int32_t>(wide);
    }
  } else {
    fail(ErrorCode::kUnsupported, source, std::string("expected an integer array ('<i2', '<i4' or '<i8'), got ") +
                                              npy_descr(array.dtype));
  }
  return values;
}

std::vector<float> npy_to_float32(const NpyArray& array, const std::string& source) {
  if (array.dtype != NpyDtype::kFloat32)
    fail(ErrorCode::kUnsupported, source, std::string("expected a float32 array ('<f4'), got ") +
                                              npy_descr(array.dtype));
  std::vector<float> values(array.element_count());
  if (!values.empty()) std::memcpy(values.data(), array.bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace fishtts::io
