// Converting a checkpoint's codec (codec.pth + codec_config.json or S1 defaults) into the bundle:
//   <out>/codec_decode.onnx, <out>/codec_encode.onnx (chunk graphs with explicit state, convert/codec_graphs.h)
//   and <out>/codec.json with every number the runtime needs (rates, codebook sizes, position limits, the state
//   tensors of each graph), so loading never touches the checkpoint again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checkpoint/weights.h"
#include "convert/codec_graphs.h"

namespace fishtts::convert {

inline constexpr int kCodecConverterVersion = 1;

struct CodecConvertOptions {
  bool check = true;  // run the ONNX checker on the written files
  CodecGraphOptions graph;
};

// The content of codec.json for graphs built from `weights`.
nlohmann::json codec_bundle_info(const checkpoint::CodecConfig& config, const CodecGraph& decode,
                                 const CodecGraph& encode);

// Throws fishtts::Error naming what is wrong with the checkpoint (missing keys, wrong shapes).
void convert_codec(const std::string& checkpoint_dir, const std::string& out_dir, const CodecConvertOptions& options);

}  // namespace fishtts::convert
