#include "checkpoint/tensor.h"

#include <cstring>

#include "common/error.h"

namespace fishtts::checkpoint {

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string Tensor::shape_string() const { return shape_to_string(shape); }

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;  // size-1 dims may carry any stride
    expected *= shape[i];
  }
  return true;
}

namespace {

float element_as_float(DType dtype, const uint8_t* p) {
  switch (dtype) {
    case DType::kFloat32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::kBFloat16: { uint16_t v; std::memcpy(&v, p, 2); return bf16_to_float(v); }
    case DType::kFloat16: { uint16_t v; std::memcpy(&v, p, 2); return fp16_to_float(v); }
    case DType::kInt64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
    case DType::kInt32: { int32_t v; std::memcpy(&v, p, 4); return static_cast<float>(v); }
    case DType::kBool: return *p ? 1.0f : 0.0f;
    case DType::kUInt8: return static_cast<float>(*p);
  }
  return 0.0f;
}

}  // namespace

std::vector<float> Tensor::to_float() const {
  const int64_t n = numel();
  std::vector<float> out(static_cast<size_t>(n));
  if (n == 0) return out;
  const size_t item = dtype_size(dtype);
  if (is_contiguous()) {
    if (dtype == DType::kFloat32) {
      std::memcpy(out.data(), data, out.size() * 4);
    } else {
      for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = element_as_float(dtype, data + i * item);
    }
    return out;
  }
  // Strided gather: walk a multi-index in row-major order.
  std::vector<int64_t> index(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)] = element_as_float(dtype, data + offset * static_cast<int64_t>(item));
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) { offset += strides[d]; break; }
      offset -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

std::span<const float> Tensor::float_view() const {
  if (dtype != DType::kFloat32 || !is_contiguous()) return {};
  if (reinterpret_cast<uintptr_t>(data) % alignof(float) != 0) return {};  // unaligned record: copy instead
  return {reinterpret_cast<const float*>(data), static_cast<size_t>(numel())};
}

std::span<const uint8_t> Tensor::contiguous_bytes() const {
  if (!is_contiguous()) {
    throw Error(ErrorCode::kUnsupported, "tensor " + name + " " + shape_string() + " is a strided view, not contiguous");
  }
  return {data, byte_size()};
}

Tensor Tensor::owned_float(std::string name, std::vector<int64_t> shape, std::vector<float> values) {
  Tensor t;
  t.name = std::move(name);
  t.dtype = DType::kFloat32;
  t.strides = contiguous_strides(shape);
  t.shape = std::move(shape);
  if (static_cast<int64_t>(values.size()) != t.numel()) {
    throw Error(ErrorCode::kInternal, "owned tensor " + t.name + ": " + std::to_string(values.size()) +
                                          " values for shape " + t.shape_string());
  }
  auto buffer = std::make_shared<std::vector<float>>(std::move(values));
  t.data = reinterpret_cast<const uint8_t*>(buffer->data());
  t.keep_alive = buffer;
  return t;
}

Tensor Tensor::owned_bytes(std::string name, DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
  Tensor t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.strides = contiguous_strides(shape);
  t.shape = std::move(shape);
  if (bytes.size() != t.byte_size()) {
    throw Error(ErrorCode::kInternal, "owned tensor " + t.name + ": " + std::to_string(bytes.size()) +
                                          " bytes for shape " + t.shape_string() + " " + dtype_name(dtype));
  }
  auto buffer = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  t.data = buffer->data();
  t.keep_alive = buffer;
  return t;
}

}  // namespace fishtts::checkpoint
