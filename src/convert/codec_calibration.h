// Calibration for the static int8 codec convs: runs the fp32 decode graph with ONNX Runtime (at conversion time)
// on calibration codes, chunk by chunk with its carried state as the runtime does, and records the range of every
// conv's input and output.
//
// Calibration codes are pseudo-random (uniform per codebook, fixed seed): the checkpoint folder holds no codes of
// real speech, and for the random-weight models the benchmarks and tests use, random codes are as typical as any.
#pragma once

#include <cstdint>

#include "checkpoint/codec_config.h"
#include "convert/codec_graphs.h"
#include "convert/codec_quantize.h"

namespace fishtts::convert {

struct CalibrationOptions {
  int64_t frames = 48;       // codes decoded (about 2.2 s of audio)
  int64_t chunk_frames = 16;  // frames per graph call (bounds the memory of the recorded activations)
  uint32_t seed = 1;
  // Each range is [p-th lowest, p-th highest] percentile of the recorded values (on a strided sample of at most
  // 65,536 values per tensor and call); 100 = the exact min / max.
  double percentile = 99.99;
};

// The ranges of every conv of `graph` (an fp32 decode graph), keyed by conv name.
ConvQuantization calibrate_decode(const CodecGraph& graph, const checkpoint::CodecConfig& config,
                                  const CalibrationOptions& options = {});

}  // namespace fishtts::convert
