// The codec's two chunk graphs (spec 5.3 / 5.4), built from the normalised codec weights.
//
// codec_decode: codes int64 [n_codebooks + 1, S], start_frame int64 [1], state/* -> audio [1, 1, S * frame_length],
//   zq / post [1, latent, S], latent [1, latent, S * upsampling] (intermediate stages, for parity checks), state_out/*.
// codec_encode: audio float [1, 1, S * frame_length], start_frame, state/* -> codes int64 [n_codebooks + 1, S],
//   latent [1, latent, S * frame_length / hop] (encoder output), pre [1, latent, S] (pre_module output), state_out/*.
// Both are causal chunk graphs (convert/codec_layers.h): a whole utterance is one call with zero states, and
// consecutive chunks with carried states give the same result.
#pragma once

#include <onnx/onnx_pb.h>

#include <vector>

#include "checkpoint/weights.h"
#include "convert/codec_layers.h"

namespace fishtts::convert {

struct CodecGraph {
  onnx::ModelProto model;
  std::vector<CodecState> states;
  std::vector<ConvTap> convs;  // every conv, in graph order
};

struct CodecGraphOptions {
  int conv_rank = 4;  // 4: convs as [1, C, 1, L] 2-D convs (ORT's NCHWc kernels); 3: plain 1-D convs
  bool polyphase_transpose = true;  // transposed convs as plain convs + phase interleave
  bool fused_snake = true;  // Snake as the com.fishtts custom op (sessions need ort::add_custom_ops), else std ops
  ConvQuantization int8_convs;      // decode convs emitted in int8 QDQ form (convert/codec_quantize.h)
  // > 0: the decoder's conv stack (decoder.model.*) channels last with bf16 convs of this many terms (1 plain,
  // 3 split; ort/conv1d_bf16_op.h), and the post_module's and upsample's Linears as the same op over one step;
  // the dequantiser, attention products, norms and upsample convs stay fp32. Decode only; excludes int8_convs.
  int64_t bf16_terms = 0;
};

CodecGraph build_codec_decode_graph(const checkpoint::CodecWeights& weights, const CodecGraphOptions& options = {});
CodecGraph build_codec_encode_graph(const checkpoint::CodecWeights& weights, const CodecGraphOptions& options = {});

}  // namespace fishtts::convert
