// The streamed /v1/tts body (format wav): a 44-byte WAV header whose sizes say "unknown" (0xFFFFFFFF, what
// ffmpeg and most players accept for live streams), then s16le PCM chunks as they are decoded.
#pragma once

#include <string>

namespace fishtts::server {

std::string streaming_wav_header(int sample_rate, int channels = 1);

}  // namespace fishtts::server
