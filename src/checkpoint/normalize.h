// Upstream's load-time key handling (spec 1.3 / 1.5) and weight-norm folding, applied to a raw state dict.
#pragma once

#include <string>

#include "checkpoint/tensor_store.h"

namespace fishtts::checkpoint {

// LLM: if the first key starts with "model.", every "model." substring is removed (upstream's plain
// replace); keys containing "audio_" are dropped; separate attention wq/wk/wv are concatenated (dim 0, in
// q, k, v order) into wqkv. Tensors are shared with `raw` except merged ones.
TensorStore normalize_llm_keys(const TensorStore& raw);

// Codec: if any key contains "generator", keep only keys containing "generator." with that removed; fold
// both weight-norm styles (`X.parametrizations.weight.original0/1` and legacy `X.weight_g/_v`) into
// `X.weight` (owned fp32); drop the `causal_mask` buffers (unused at inference). The `freqs_cis` RoPE
// tables are kept: upstream uses the stored values (spec 1.5).
TensorStore normalize_codec_keys(const TensorStore& raw);

// W = g * V / ||V||, norm over all dims but dim 0 (so per input channel for ConvTranspose1d, whose V is
// [in, out, k]), g of shape [dim0, 1, ...]. Arithmetic: ||V|| accumulated in double then rounded to fp32;
// scale = g / ||V|| in fp32; W = V * scale in fp32 — the order of PyTorch's CPU kernel, so results match
// torch._weight_norm to within an ulp (bit-exact parity needs the reference's own folded weights).
Tensor fold_weight_norm(const std::string& name, const Tensor& g, const Tensor& v);

}  // namespace fishtts::checkpoint
