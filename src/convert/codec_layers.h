// Building blocks of the modded-DAC codec graphs (spec 5.2), written as *chunk* graphs with explicit state:
// every causal convolution keeps the last (K - stride) input samples it saw, every transposed convolution the
// last input step, every window-limited transformer the keys/values of its last (window - 1) positions. A graph
// therefore takes a chunk of frames plus the state left by the previous chunk and returns the next state.
// Whole-utterance decode is the same graph called once with zero state: zero state is exactly the zero left
// padding of upstream's causal convs, and masked-out cache slots contribute exact zeros to the attention sums.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/codec_config.h"
#include "checkpoint/tensor_store.h"
#include "convert/codec_quantize.h"
#include "convert/graph_builder.h"

namespace fishtts::convert {

// One state tensor of a chunk graph: fed as `input`, the updated value returned as `output`.
struct CodecState {
  std::string input;
  std::string output;
  std::vector<int64_t> shape;  // fixed; zeros at the start of an utterance
};

// One convolution as emitted: its name (the key of ConvQuantization), input and output values, and group count.
struct ConvTap {
  std::string name;
  std::string input;
  std::string output;
  int64_t groups = 1;
  bool int8 = false;
};

// The graph being built, the weights it reads, and the states registered so far.
struct CodecGraphContext {
  GraphBuilder& g;
  const checkpoint::TensorStore& weights;
  std::string start_frame;  // int64 [1] graph input: frames already processed before this chunk
  std::vector<CodecState> states;
  // Rank of the conv-stack tensors: 3 = [1, C, L], or 4 = [1, C, 1, L], which lets ONNX Runtime's NCHWc
  // optimizer run the convs with its blocked direct-convolution kernels (measured in bench-codec). The time
  // axis is always the last one.
  int rank = 3;
  // Channels-last conv stack: tensors [1, L, C], time axis 1. Convs (groups == 1 only) then run as
  // com.fishtts::Conv1dBf16 (ort/conv1d_bf16_op.h) with this many bf16 terms (1 plain, 3 split), fp32 sums.
  bool channels_last = false;
  int64_t bf16_terms = 1;
  // The Linear layers (post_module, upsample ConvNeXt) as Conv1dBf16 over one step, with bf16_terms, instead
  // of fp32 MatMul: half the weight bytes read per call and held after load.
  bool bf16_linears = false;
  int64_t steps_per_frame = 1;  // of the conv stack's current rate (channels last: sets each conv's tile)
  // Transposed convs as polyphase plain convs (see causal_conv_transpose), else ONNX ConvTranspose.
  bool polyphase_transpose = true;
  // Snake as one com.fishtts custom op (ort/snake_op.h), else the five standard ONNX nodes.
  bool fused_snake = true;
  // Convs listed here are emitted in int8 QDQ form (convert/codec_quantize.h); null = every conv fp32.
  const ConvQuantization* int8_convs = nullptr;
  std::vector<ConvTap> convs = {};  // every conv emitted, in graph order (calibration reads their values)
};

// The static shape of one WindowLimitedTransformer instance.
struct CodecTransformerShape {
  int64_t n_layer = 0;
  int64_t dim = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;
  int64_t head_dim = 0;
  int64_t ffn = 0;
  int64_t window = 0;
  int64_t block_size = 0;     // rows of the stored RoPE table = position limit
  int64_t steps_per_frame = 1;  // positions per codec frame at this transformer's rate
  float norm_eps = 1e-5f;
  // Banded attention: every query attends over its own gathered block of `window` keys, so each softmax and
  // weighted sum has the same length and alignment however the frames are split into chunks (streaming output
  // then equals the whole decode bit for bit). Costs window x the keys in memory; meant for frame-rate stacks.
  bool banded = false;
};

CodecTransformerShape pre_post_shape(const checkpoint::CodecTransformerConfig& c);

// fp32 initializer from a weight key.
std::string codec_weight(CodecGraphContext& ctx, const std::string& key);

// x [1, Cin, L] -> [1, Cout, L / stride]: causal conv of spec 5.2.2 (weight `<prefix>weight`, bias `<prefix>bias`).
std::string causal_conv(CodecGraphContext& ctx, const std::string& x, const std::string& prefix, int64_t stride,
                        int64_t dilation, int64_t groups = 1);
// x [1, Cin, L] -> [1, Cout, L * stride]: causal transposed conv of spec 5.2.3.
std::string causal_conv_transpose(CodecGraphContext& ctx, const std::string& x, const std::string& prefix,
                                  int64_t stride);
// Snake1d of spec 5.2.1 with the alpha tensor `alpha_key`.
std::string snake(CodecGraphContext& ctx, const std::string& x, const std::string& alpha_key);
// ResidualUnit of spec 5.2.4 (`<prefix>block.{0..3}`).
std::string residual_unit(CodecGraphContext& ctx, const std::string& x, const std::string& prefix, int64_t dilation);
// ConvNeXt block of spec 5.2.5.
std::string convnext(CodecGraphContext& ctx, const std::string& x, const std::string& prefix);
// WindowLimitedTransformer of spec 5.2.6 on channels-first x [1, C, S] with the stored freqs_cis table; positions
// continue from start_frame * steps_per_frame; a KV cache of window - 1 positions per layer is the state.
std::string codec_transformer(CodecGraphContext& ctx, const std::string& x, const std::string& prefix,
                              const CodecTransformerShape& shape);

}  // namespace fishtts::convert
