// A 1-D convolution over channels-last activations, computed by oneDNN in bf16 with fp32 accumulation (AMX or
// AVX512-BF16 when the CPU has them): the codec decoder's reduced-precision convs (spec 5.5: upstream's CPU
// server decodes under bf16 autocast).
//
//   domain "com.fishtts", op "Conv1dBf16", version 1
//   inputs:     x float [N, L, Cin]; w float [Cout, Cin, K] and b float [Cout], both constant initializers;
//               optional state float [N, P, Cin]: rows that go before x (the causal context of the last call)
//   attributes: dilation, stride; terms: 1 = plain bf16 (x and w rounded to bf16, ~8 bits), 3 = three-term
//               split bf16 (x and w as hi + lo bf16 pairs, ~16 bits, 3x the multiplies); tile (optional): output
//               steps per tile (default: about 512 KB of bf16 input)
//   outputs:    y float [N, Lout, Cout] of the rows [state, x], Lout = (P + L - (K - 1) * dilation - 1) / stride + 1
//               (no padding); optional state_out float [N, P, Cin], the last P rows of [state, x]
// Sums and the bias are fp32. The time axis is cut into tiles of one
// length (the same kernel for every output, whatever the call: streaming equals whole bit for bit), spread over
// ORT's intra-op pool (KernelContext::ParallelFor); every tile runs a single-threaded oneDNN primitive, so ORT's
// pool stays the only one on the cores and --threads is honoured.
#pragma once

#include <onnxruntime_cxx_api.h>

#include "ort/custom_ops.h"

namespace fishtts::ort {

inline constexpr char kConv1dBf16Op[] = "Conv1dBf16";

// The op's definition, for the com.fishtts domain (ort/custom_ops.h).
const OrtCustomOp* conv1d_bf16_custom_op();

// The oneDNN implementation a conv of this shape runs on this CPU (e.g. "brgconv:avx512_core_amx_bf16"), for
// reports and tests; ISA-less CPUs get oneDNN's reference code, which is slow.
std::string conv1d_bf16_implementation(int64_t channels_in, int64_t channels_out, int64_t kernel, int64_t steps);

}  // namespace fishtts::ort
