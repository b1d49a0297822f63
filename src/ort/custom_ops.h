// The com.fishtts operator domain: ONNX Runtime custom ops the codec graphs use (ort/snake_op.h,
// ort/conv1d_bf16_op.h). Every session that may load such a graph is created with add_custom_ops.
#pragma once

#include <onnxruntime_cxx_api.h>

namespace fishtts::ort {

inline constexpr char kCustomDomain[] = "com.fishtts";

// Registers the domain (created once per process) in `options`.
void add_custom_ops(Ort::SessionOptions& options);

// An optional int attribute of a custom op's node: its value, or `fallback` when the node does not have it.
int64_t int_attribute_or(const OrtKernelInfo* info, const char* name, int64_t fallback);

}  // namespace fishtts::ort
