// Snake1d (spec 5.2.1) as one ONNX Runtime custom operator, so the codec runs it in one memory pass with a
// vectorized sin instead of five elementwise nodes (Mul, Sin, Mul, Mul, Add) with ORT's scalar Sin.
//
//   domain "com.fishtts", op "Snake", version 1
//   inputs:  x float [N, C, ...], alpha float with C elements (any shape, e.g. [1, C, 1] as stored)
//   attribute: axis, the channel axis of x: 1 (default) or -1 / the last axis (channels last, [N, L, C])
//   output:  y float, shape of x: y = x + (1 / (alpha_c + 1e-9)) * sin(alpha_c * x)^2, the reciprocal in fp32
//            as DAC evaluates it, then x + r * (s * s) in that order
// Channels (channels first) or batches of rows (channels last) run in parallel on the session's intra-op pool
// (KernelContext::ParallelFor).
#pragma once

#include <onnxruntime_cxx_api.h>

#include "ort/custom_ops.h"

namespace fishtts::ort {

inline constexpr char kSnakeOp[] = "Snake";

// The op's definition, for the com.fishtts domain (ort/custom_ops.h).
const OrtCustomOp* snake_custom_op();

}  // namespace fishtts::ort
