// The codec's arithmetic per code frame (spec 9.3), computed from its config so it follows any codec size: the
// codec is compute-bound, so FLOPs over the machine's FMA peak is the floor its wall time is measured against.
// Counts the multiply-accumulates of convolutions, transposed convolutions, linear layers and windowed attention
// (at a full window); element-wise ops (Snake, norms, GELU) are left out, as in the spec.
#pragma once

#include "checkpoint/codec_config.h"

namespace fishtts::codec {

struct CodecMacs {
  double decode_per_frame = 0;  // S1: 3.38 G
  double encode_per_frame = 0;  // S1: 1.80 G
};

CodecMacs codec_macs_per_frame(const checkpoint::CodecConfig& config);

}  // namespace fishtts::codec
