// Audio in and out: any file libsndfile reads (wav, flac, ogg/vorbis/opus, mp3, aiff, ...) to mono float at the
// codec's rate, and float samples to wav (16-bit PCM or float), flac, mp3, Ogg Opus, AAC (ADTS) or raw s16le
// (stream_encoder.h encodes chunk by chunk).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace fishtts::audio {

struct DecodeOptions {
  int target_rate = 44100;     // output rate (the codec's); input at another rate is resampled with soxr
  double max_seconds = 600.0;  // longer input is an error, checked before decoding the bulk of it
  int max_channels = 8;        // more is an error before the read buffer (64 Ki frames x channels) is allocated
};

// Decodes `bytes` (a whole audio file) to mono float at options.target_rate: channels are averaged, as
// upstream does. `name` only labels error messages. Throws fishtts::Error(kBadFormat) for unreadable or empty
// audio, kOutOfRange for audio longer than max_seconds or
// with more than max_channels channels.
std::vector<float> decode_audio(std::span<const std::uint8_t> bytes, const DecodeOptions& options,
                                const std::string& name = "audio");
std::vector<float> read_audio_file(const std::filesystem::path& path, const DecodeOptions& options = {});

enum class AudioFormat {
  kWav,       // 16-bit PCM WAV (upstream's output)
  kWavFloat,  // 32-bit float WAV (no quantisation, for comparisons)
  kFlac,      // 16-bit FLAC
  kMp3,       // MPEG layer III, constant bitrate (LAME's default for mono: 64 kb/s), no Xing tag
  kPcm,       // headerless s16le
  kOpus,      // Ogg Opus (libsndfile >= 1.1), always at an Opus rate: 48 kHz unless told 8/12/16/24
  kAac,       // AAC-LC in ADTS frames (audio/aac), FFmpeg's native encoder, 64 kb/s
};

struct EncoderOptions;

// "wav" | "wav-float" | "flac" | "mp3" | "pcm" | "opus" | "aac"; throws kInvalidArgument listing the accepted names.
AudioFormat parse_audio_format(const std::string& name);
const char* audio_format_name(AudioFormat format);
// The Content-Type of the format's bytes: audio/wav, audio/mpeg, audio/flac, audio/ogg (Ogg Opus, RFC 7845),
// audio/aac (ADTS), application/octet-stream (raw pcm).
const char* audio_mime_type(AudioFormat format);
// From a file name's extension (.wav, .flac, .mp3, .opus/.ogg, .aac, .pcm/.raw); throws kInvalidArgument for others.
AudioFormat audio_format_for_path(const std::filesystem::path& path);
// Whether this machine's libraries can write the format at that rate (0: at a rate the format takes; opus needs
// libsndfile >= 1.1; mp3 takes the MPEG rates, 8-48 kHz).
bool can_encode(AudioFormat format, int sample_rate = 0);

// Samples are clipped to [-1, 1] on conversion to integers (libsndfile's clipping mode, as python-soundfile
// sets it upstream). Opus is resampled to 48 kHz.
std::vector<std::uint8_t> encode_audio(std::span<const float> samples, int sample_rate, AudioFormat format);
// The same with a rate conversion (options.output_rate, e.g. OpenAI's 24 kHz pcm).
std::vector<std::uint8_t> encode_audio(std::span<const float> samples, AudioFormat format,
                                       const EncoderOptions& options);
// Writes atomically: a temporary file in the same folder, then rename, so a crash never leaves half a file.
void write_audio_file(const std::filesystem::path& path, std::span<const float> samples, int sample_rate,
                      AudioFormat format);
void write_audio_file(const std::filesystem::path& path, std::span<const float> samples, AudioFormat format,
                      const EncoderOptions& options);

// Band-limited resampling with soxr (high quality).
std::vector<float> resample(std::span<const float> samples, double from_rate, double to_rate);

}  // namespace fishtts::audio
