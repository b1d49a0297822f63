// Snake1d (spec 5.2.1) as one ONNX Runtime custom operator, so the codec runs it in one memory pass with a
// vectorized sin instead of five elementwise nodes (Mul, Sin, Mul, Mul, Add) with ORT's scalar Sin.
//
//   domain "com.fishtts", op "Snake", version 1
//   inputs:  x float [N, C, ...], alpha float with C elements (any shape, e.g. [1, C, 1] as stored)
//   output:  y float, shape of x: y = x + (1 / (alpha_c + 1e-9)) * sin(alpha_c * x)^2, the reciprocal in fp32
//            as DAC evaluates it, then x + r * (s * s) in that order
// Channels run in parallel on the session's intra-op pool (KernelContext::ParallelFor).
#pragma once

#include <onnxruntime_cxx_api.h>

namespace fishtts::ort {

inline constexpr char kCustomDomain[] = "com.fishtts";
inline constexpr char kSnakeOp[] = "Snake";

// Registers the com.fishtts domain (created once per process) in `options`. Sessions of graphs that use the
// fused Snake must be created with it.
void add_custom_ops(Ort::SessionOptions& options);

}  // namespace fishtts::ort
