// How many weight bytes one call of a converted graph streams from memory: the batch-1 transformer decode is
// bound by this over the memory bandwidth (spec 9.2). Read from the ONNX file's initializers (dtype x shape, so
// quantized blocks, scales and zero points count as stored), not from a formula, so it follows whatever the
// converter wrote.
#pragma once

#include <cstdint>
#include <string>

namespace fishtts::convert {

struct WeightTraffic {
  uint64_t streamed_bytes = 0;  // initializers every call reads whole (matmul weights, norms, biases)
  uint64_t indexed_bytes = 0;   // tables a call reads a few rows of (embeddings, RoPE caches): not counted above
};

// Throws Error(kNotFound / kBadFormat) naming the file when it is missing or not an ONNX model.
WeightTraffic graph_weight_traffic(const std::string& onnx_path);

}  // namespace fishtts::convert
