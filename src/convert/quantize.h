// Weight-only quantization of Linear weights for ONNX Runtime's quantized matmuls.
//
// Input: a [N, K] row-major fp32 weight (PyTorch Linear layout: N outputs, K inputs; y = x W^T).
//
// 1) Block-wise, for com.microsoft.MatMulNBits (GraphBuilder::matmul_nbits):
//      BlockQuantized q = quantize_blockwise(w, n, k, {.bits = 4, .block_size = 128});
//      g.matmul_nbits(x, g.add_initializer("w.q", std::span<const uint8_t>(q.data), q.data_dims()),
//                     g.add_initializer("w.scales", std::span<const float>(q.scales), q.scales_dims()),
//                     q.zero_points.empty() ? "" : g.add_initializer("w.zp", ..., q.zero_points_dims()),
//                     q.params(4));
//    Layout (MatMulNBits spec): each row n is cut into ceil(K / block_size) blocks along K; the last block is
//    padded with the zero point (dequantizes to 0) when K is not a multiple of block_size.
//    data  uint8 [N, n_blocks, block_size * bits / 8]: codes packed low-first (4 bits: element 2i in the low
//          nibble, 2i+1 in the high nibble of byte i of its block).
//    scales fp32 [N * n_blocks]  (row-major: row n, block b at n * n_blocks + b).
//    zero_points uint8 [N * ceil(n_blocks * bits / 8)]: per row, packed like the data (4 bits: block 2i low
//          nibble); each row starts on a fresh byte. Empty when symmetric (MatMulNBits then uses 2^(bits-1)).
//    Dequantized value: (code - zero_point) * scale.
//    Asymmetric (default): the block range [min(w, 0), max(w, 0)] maps onto codes 0 .. 2^bits - 1:
//      scale = (max - min) / (2^bits - 1), zero_point = round(-min / scale).
//    Symmetric: scale = max|w| / (2^(bits-1) - 1), zero_point = 2^(bits-1) (implicit), one code unused.
//    Either way every element's dequantization error is at most scale / 2. Asymmetric is the default: it
//    uses all 2^bits levels (a finer step for the same block) and its per-block zero points cost 0.5 (4-bit)
//    or 1 (8-bit) byte per block. Measured (test-quantize, Gaussian weights with 8-sigma outliers), relative
//    RMS weight error asymmetric / symmetric: int4 block 32 0.098 / 0.155, block 128 0.171 / 0.271; int8
//    block 32 0.0058 / 0.0087, block 128 0.0101 / 0.0152. Speed (bench-matmul, int4 block 128,
//    accuracy_level 4): the same within noise (1.54 vs 1.55 ms per slow layer in one interleaved run).
//
// 2) Per output channel int8, for com.microsoft.DynamicQuantizeMatMul (GraphBuilder::dynamic_quantize_matmul):
//      ChannelQuantized c = quantize_per_channel_int8(w, n, k);
//    data int8 [K, N] (MatMul layout, i.e. W^T), scales fp32 [N], symmetric (zero point 0), codes -127..127.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "convert/graph_builder.h"

namespace fishtts::convert {

struct BlockQuantConfig {
  int bits = 4;              // 4 or 8
  int64_t block_size = 128;  // power of two, 16..256
  bool symmetric = false;
};

struct BlockQuantized {
  int64_t n = 0;
  int64_t k = 0;
  int bits = 4;
  int64_t block_size = 128;
  std::vector<uint8_t> data;
  std::vector<float> scales;
  std::vector<uint8_t> zero_points;  // empty when symmetric

  int64_t blocks_per_row() const { return (k + block_size - 1) / block_size; }
  int64_t blob_bytes() const { return block_size * bits / 8; }
  int64_t zero_point_bytes_per_row() const { return (blocks_per_row() * bits + 7) / 8; }
  std::vector<int64_t> data_dims() const { return {n, blocks_per_row(), blob_bytes()}; }
  std::vector<int64_t> scales_dims() const { return {n * blocks_per_row()}; }
  std::vector<int64_t> zero_points_dims() const { return {n * zero_point_bytes_per_row()}; }
  MatMulNBitsParams params(int64_t accuracy_level) const { return {k, n, bits, block_size, accuracy_level}; }

  // The code and zero point of element (row, col) as MatMulNBits reads them.
  int code(int64_t row, int64_t col) const;
  int zero_point(int64_t row, int64_t block) const;
};

// Throws Error(kInvalidArgument) for bits other than 4/8, a bad block size, or weight.size() != n * k.
BlockQuantized quantize_blockwise(std::span<const float> weight, int64_t n, int64_t k, const BlockQuantConfig& config);
// [N, K] row-major: (code - zero_point) * scale, the values MatMulNBits multiplies with.
std::vector<float> dequantize(const BlockQuantized& q);

struct ChannelQuantized {
  int64_t n = 0;
  int64_t k = 0;
  std::vector<int8_t> data;   // [K, N]
  std::vector<float> scales;  // [N]
};

ChannelQuantized quantize_per_channel_int8(std::span<const float> weight, int64_t n, int64_t k);
// [N, K] row-major.
std::vector<float> dequantize(const ChannelQuantized& q);

// Adds the initializers of `q` and a MatMulNBits node computing x W^T; `hint` names the initializers.
std::string add_matmul_nbits(GraphBuilder& g, const std::string& x, std::string_view hint, const BlockQuantized& q,
                             int64_t accuracy_level);
// Adds the initializers of `q` and a DynamicQuantizeMatMul node computing x W^T.
std::string add_dynamic_quantize_matmul(GraphBuilder& g, const std::string& x, std::string_view hint,
                                        const ChannelQuantized& q);

}  // namespace fishtts::convert
