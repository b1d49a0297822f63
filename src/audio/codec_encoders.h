// The encoders behind make_stream_encoder(), one per library, each at the rate it is given. Internal to src/audio.
#pragma once

#include <memory>

#include "audio/stream_encoder.h"

namespace fishtts::audio::detail {

// wav, wav-float, flac, opus, pcm through libsndfile.
int sndfile_format(AudioFormat format);
std::unique_ptr<StreamEncoder> make_sndfile_encoder(AudioFormat format, int sample_rate);

// MP3 (constant bitrate, no Xing tag) through LAME.
bool can_encode_mp3(int sample_rate);
std::unique_ptr<StreamEncoder> make_mp3_encoder(int sample_rate);

// AAC-LC in ADTS frames through FFmpeg (libavcodec's native encoder, libavformat's adts muxer).
bool can_encode_aac(int sample_rate);
std::unique_ptr<StreamEncoder> make_aac_encoder(int sample_rate);

}  // namespace fishtts::audio::detail
