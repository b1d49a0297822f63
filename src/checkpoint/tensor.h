// One named tensor of a checkpoint: dtype, shape, strides (in elements) and a pointer to its first element,
// either inside a memory-mapped file or inside a buffer the tensor owns (converted or folded weights).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/dtype.h"

namespace fishtts::checkpoint {

struct Tensor {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // elements, torch convention
  const uint8_t* data = nullptr;  // element [0, 0, ...]
  std::shared_ptr<const void> keep_alive;  // the mapping or owned buffer `data` points into

  int64_t numel() const;
  bool is_contiguous() const;
  size_t byte_size() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }

  // Contiguous fp32 copy: bf16/fp16 upcast, ints converted, strided views gathered.
  std::vector<float> to_float() const;
  // Zero-copy view when the tensor is contiguous fp32; empty span otherwise (then use to_float()).
  std::span<const float> float_view() const;
  // Raw bytes of a contiguous tensor (throws kUnsupported for strided views).
  std::span<const uint8_t> contiguous_bytes() const;

  std::string shape_string() const;  // "[4096, 1024]"

  // A contiguous fp32 tensor that owns `values`.
  static Tensor owned_float(std::string name, std::vector<int64_t> shape, std::vector<float> values);
  // A contiguous tensor of any dtype that owns `bytes` (size must be numel * dtype size).
  static Tensor owned_bytes(std::string name, DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes);
};

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape);
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace fishtts::checkpoint
