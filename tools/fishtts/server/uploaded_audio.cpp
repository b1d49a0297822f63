#include "uploaded_audio.h"

#include <algorithm>

#include "audio/audio_io.h"
#include "common/error.h"
#include "server_context.h"

namespace fishtts::server {

UploadedAudio::UploadedAudio(const ServerContext& ctx)
    : ctx_(ctx), seconds_left_(ctx.options.max_request_audio_seconds) {}

std::vector<float> UploadedAudio::decode(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (seconds_left_ <= 0) {
    throw Error(ErrorCode::kOutOfRange, name + ": the request's audio is above the server's limit of " +
                                            std::to_string(ctx_.options.max_request_audio_seconds) + " s in total");
  }
  audio::DecodeOptions options;
  options.target_rate = ctx_.engine->sample_rate();
  options.max_seconds = std::min(ctx_.options.max_reference_seconds, seconds_left_);
  std::vector<float> samples = audio::decode_audio(bytes, options, name);
  seconds_left_ -= static_cast<double>(samples.size()) / options.target_rate;
  return samples;
}

}  // namespace fishtts::server
