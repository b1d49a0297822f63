// One request's state for one codec chunk graph (codec_decode / codec_encode): the carried conv tails and
// attention caches, zero at the start of an utterance, replaced by the graph's state outputs after every call
// (the output values are moved in, never copied).
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <vector>

#include "codec/codec_info.h"

namespace fishtts::codec {

class ChunkState {
 public:
  explicit ChunkState(const ChunkGraphInfo& info);

  // Runs one chunk: `input` bound to `input_name`, start_frame = frames already processed, returns `outputs`
  // (in order) and advances the state.
  std::vector<Ort::Value> run(Ort::Session& session, const char* input_name, const Ort::Value& input,
                              int64_t start_frame, const std::vector<const char*>& outputs);
  void reset();  // back to zeros (a new utterance)

 private:
  const ChunkGraphInfo& info_;
  std::vector<Ort::Value> states_;
  std::vector<const char*> state_inputs_, state_outputs_;
};

}  // namespace fishtts::codec
