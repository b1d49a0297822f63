#include "convert/quantize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace fishtts::convert {

namespace {

void check_shape(std::span<const float> weight, int64_t n, int64_t k, const char* what) {
  if (n <= 0 || k <= 0) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": weight shape [" + std::to_string(n) + ", " +
                                                 std::to_string(k) + "] must be positive");
  }
  if (static_cast<int64_t>(weight.size()) != n * k) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::to_string(weight.size()) +
                                                 " values for a [" + std::to_string(n) + ", " + std::to_string(k) +
                                                 "] weight");
  }
}

// Stores `value` (< 2^bits) as element `index` of a low-first packed byte array.
void put_packed(uint8_t* bytes, int64_t index, int bits, int value) {
  if (bits == 8) {
    bytes[index] = static_cast<uint8_t>(value);
  } else {
    uint8_t& b = bytes[index / 2];
    b = (index % 2 == 0) ? static_cast<uint8_t>((b & 0xF0) | value) : static_cast<uint8_t>((b & 0x0F) | (value << 4));
  }
}

int get_packed(const uint8_t* bytes, int64_t index, int bits) {
  if (bits == 8) return bytes[index];
  const uint8_t b = bytes[index / 2];
  return (index % 2 == 0) ? (b & 0x0F) : (b >> 4);
}

}  // namespace

int BlockQuantized::code(int64_t row, int64_t col) const {
  const int64_t block = col / block_size;
  const uint8_t* blob = data.data() + (row * blocks_per_row() + block) * blob_bytes();
  return get_packed(blob, col % block_size, bits);
}

int BlockQuantized::zero_point(int64_t row, int64_t block) const {
  if (zero_points.empty()) return 1 << (bits - 1);
  return get_packed(zero_points.data() + row * zero_point_bytes_per_row(), block, bits);
}

BlockQuantized quantize_blockwise(std::span<const float> weight, int64_t n, int64_t k, const BlockQuantConfig& config) {
  check_shape(weight, n, k, "quantize_blockwise");
  if (config.bits != 4 && config.bits != 8) {
    throw Error(ErrorCode::kInvalidArgument, "quantize_blockwise: bits " + std::to_string(config.bits) + " unsupported (4 or 8)");
  }
  const int64_t bs = config.block_size;
  if (bs < 16 || bs > 256 || (bs & (bs - 1)) != 0) {
    throw Error(ErrorCode::kInvalidArgument, "quantize_blockwise: block_size " + std::to_string(bs) +
                                                 " must be a power of two in 16..256");
  }
  BlockQuantized q;
  q.n = n;
  q.k = k;
  q.bits = config.bits;
  q.block_size = bs;
  const int64_t blocks = q.blocks_per_row();
  const int max_code = (1 << config.bits) - 1;
  const int mid_code = 1 << (config.bits - 1);
  q.data.assign(static_cast<size_t>(n * blocks * q.blob_bytes()), 0);
  q.scales.assign(static_cast<size_t>(n * blocks), 0.0f);
  if (!config.symmetric) q.zero_points.assign(static_cast<size_t>(n * q.zero_point_bytes_per_row()), 0);

  for (int64_t row = 0; row < n; ++row) {
    const float* w = weight.data() + row * k;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * bs;
      const int64_t end = std::min(k, begin + bs);
      float scale = 0.0f;
      int zp = mid_code;
      if (config.symmetric) {
        float amax = 0.0f;
        for (int64_t i = begin; i < end; ++i) amax = std::max(amax, std::fabs(w[i]));
        scale = amax / static_cast<float>(mid_code - 1);
      } else {
        float lo = 0.0f, hi = 0.0f;  // the range always contains 0, so 0 stays exactly representable
        for (int64_t i = begin; i < end; ++i) {
          lo = std::min(lo, w[i]);
          hi = std::max(hi, w[i]);
        }
        scale = (hi - lo) / static_cast<float>(max_code);
        zp = scale > 0.0f ? std::clamp(static_cast<int>(std::nearbyint(-lo / scale)), 0, max_code) : 0;
        put_packed(q.zero_points.data() + row * q.zero_point_bytes_per_row(), b, config.bits, zp);
      }
      q.scales[row * blocks + b] = scale;
      const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
      uint8_t* blob = q.data.data() + (row * blocks + b) * q.blob_bytes();
      for (int64_t i = 0; i < bs; ++i) {
        // Padding past K gets the zero point, i.e. dequantizes to exactly 0.
        const int code = (begin + i < end) ? std::clamp(static_cast<int>(std::nearbyint(w[begin + i] * inv)) + zp, 0, max_code) : zp;
        put_packed(blob, i, config.bits, code);
      }
    }
  }
  return q;
}

std::vector<float> dequantize(const BlockQuantized& q) {
  std::vector<float> w(static_cast<size_t>(q.n * q.k));
  const int64_t blocks = q.blocks_per_row();
  for (int64_t row = 0; row < q.n; ++row) {
    for (int64_t col = 0; col < q.k; ++col) {
      const int64_t b = col / q.block_size;
      w[row * q.k + col] = static_cast<float>(q.code(row, col) - q.zero_point(row, b)) * q.scales[row * blocks + b];
    }
  }
  return w;
}

ChannelQuantized quantize_per_channel_int8(std::span<const float> weight, int64_t n, int64_t k) {
  check_shape(weight, n, k, "quantize_per_channel_int8");
  ChannelQuantized q;
  q.n = n;
  q.k = k;
  q.data.assign(static_cast<size_t>(n * k), 0);
  q.scales.assign(static_cast<size_t>(n), 0.0f);
  for (int64_t row = 0; row < n; ++row) {
    const float* w = weight.data() + row * k;
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(w[i]));
    const float scale = amax / 127.0f;
    const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    q.scales[row] = scale;
    for (int64_t i = 0; i < k; ++i) {
      q.data[i * n + row] = static_cast<int8_t>(std::clamp(static_cast<int>(std::nearbyint(w[i] * inv)), -127, 127));
    }
  }
  return q;
}

std::vector<float> dequantize(const ChannelQuantized& q) {
  std::vector<float> w(static_cast<size_t>(q.n * q.k));
  for (int64_t row = 0; row < q.n; ++row) {
    for (int64_t col = 0; col < q.k; ++col) w[row * q.k + col] = static_cast<float>(q.data[col * q.n + row]) * q.scales[row];
  }
  return w;
}

std::string add_matmul_nbits(GraphBuilder& g, const std::string& x, std::string_view hint, const BlockQuantized& q,
                             int64_t accuracy_level) {
  const std::string h(hint);
  const std::string b = g.add_initializer(h + ".q" + std::to_string(q.bits), std::span<const uint8_t>(q.data), q.data_dims());
  const std::string s = g.add_initializer(h + ".scales", std::span<const float>(q.scales), q.scales_dims());
  const std::string zp = q.zero_points.empty()
                             ? std::string()
                             : g.add_initializer(h + ".zero_points", std::span<const uint8_t>(q.zero_points), q.zero_points_dims());
  return g.matmul_nbits(x, b, s, zp, q.params(accuracy_level));
}

std::string add_dynamic_quantize_matmul(GraphBuilder& g, const std::string& x, std::string_view hint,
                                        const ChannelQuantized& q) {
  const std::string h(hint);
  const std::string b = g.add_initializer(h + ".q8", std::span<const int8_t>(q.data), {q.k, q.n});
  const std::string s = g.add_initializer(h + ".scales", std::span<const float>(q.scales), {q.n});
  return g.dynamic_quantize_matmul(x, b, s);
}

}  // namespace fishtts::convert
