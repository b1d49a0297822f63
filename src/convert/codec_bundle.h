// Converting a checkpoint's codec (codec.pth + codec_config.json or S1 defaults) into the bundle:
//   <out>/codec_decode.onnx, <out>/codec_encode.onnx (chunk graphs with explicit state, convert/codec_graphs.h)
//   and <out>/codec.json with every number the runtime needs (rates, codebook sizes, position limits, the state
//   tensors of each graph), so loading never touches the checkpoint again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checkpoint/weights.h"
#include "convert/codec_calibration.h"
#include "convert/codec_graphs.h"

namespace fishtts::convert {

inline constexpr int kCodecConverterVersion = 3;  // 2: fused Snake op; 3: initializers in <graph>.onnx.data

// How the int8 decode is made (CodecPrecision::kInt8): calibration, then QDQ convs (convert/codec_quantize.h).
struct CodecInt8Options {
  CalibrationOptions calibration;
  // Candidates are the decoder's convs (the upsample stage's are 2% of the MACs and stay fp32); the first
  // (latent -> channels) and last (channels -> 1 sample) stay fp32 when edges_fp32, and so does every conv whose
  // name contains one of keep_fp32 (mixed precision by layer group, e.g. ".polyphase" = the transposed convs).
  bool edges_fp32 = true;
  std::vector<std::string> keep_fp32;
};

struct CodecConvertOptions {
  bool check = true;  // run the ONNX checker on the written files
  CodecGraphOptions graph;
  CodecPrecision precision = CodecPrecision::kFp32;  // of the decode convs; encode is always fp32
  CodecInt8Options int8;

  // What the codec files depend on besides the checkpoint (part of the bundle cache key).
  nlohmann::json to_json() const;
};

// The int8 convs of a decode graph: calibrates `fp32_decode` and selects the convs by `options`.
ConvQuantization plan_int8_decode(const CodecGraph& fp32_decode, const checkpoint::CodecConfig& config,
                                  const CodecInt8Options& options);

// The content of codec.json for graphs built from `weights`.
nlohmann::json codec_bundle_info(const checkpoint::CodecConfig& config, const CodecGraph& decode,
                                 const CodecGraph& encode, CodecPrecision precision = CodecPrecision::kFp32);

// Throws fishtts::Error naming what is wrong with the checkpoint (missing keys, wrong shapes).
void convert_codec(const std::string& checkpoint_dir, const std::string& out_dir, const CodecConvertOptions& options);

}  // namespace fishtts::convert
