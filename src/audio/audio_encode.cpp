#include <algorithm>
#include <cctype>
#include <fstream>
#include <unistd.h>

#include <sndfile.h>

#include "audio/audio_io.h"
#include "audio/codec_encoders.h"
#include "audio/stream_encoder.h"
#include "common/error.h"

namespace fishtts::audio {
namespace {

constexpr AudioFormat kAllFormats[] = {AudioFormat::kWav, AudioFormat::kWavFloat, AudioFormat::kFlac,
                                       AudioFormat::kMp3, AudioFormat::kPcm,      AudioFormat::kOpus,
                                       AudioFormat::kAac};

}  // namespace

const char* audio_format_name(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav: return "wav";
    case AudioFormat::kWavFloat: return "wav-float";
    case AudioFormat::kFlac: return "flac";
    case AudioFormat::kMp3: return "mp3";
    case AudioFormat::kPcm: return "pcm";
    case AudioFormat::kOpus: return "opus";
    case AudioFormat::kAac: return "aac";
  }
  return "?";
}

const char* audio_mime_type(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav:
    case AudioFormat::kWavFloat: return "audio/wav";
    case AudioFormat::kFlac: return "audio/flac";
    case AudioFormat::kMp3: return "audio/mpeg";
    case AudioFormat::kOpus: return "audio/ogg";
    case AudioFormat::kAac: return "audio/aac";
    case AudioFormat::kPcm: return "application/octet-stream";
  }
  return "application/octet-stream";
}

AudioFormat parse_audio_format(const std::string& name) {
  for (AudioFormat f : kAllFormats) {
    if (name == audio_format_name(f)) return f;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "unknown audio format '" + name + "' (expected one of: wav, wav-float, flac, mp3, pcm, opus, aac)");
}

AudioFormat audio_format_for_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".wav") return AudioFormat::kWav;
  if (ext == ".flac") return AudioFormat::kFlac;
  if (ext == ".mp3") return AudioFormat::kMp3;
  if (ext == ".opus" || ext == ".ogg") return AudioFormat::kOpus;
  if (ext == ".aac") return AudioFormat::kAac;
  if (ext == ".pcm" || ext == ".raw") return AudioFormat::kPcm;
  throw Error(ErrorCode::kInvalidArgument, path.string() + ": cannot tell the audio format from the extension '" +
                                               ext + "' (use .wav, .flac, .mp3, .opus/.ogg, .aac or .pcm)");
}

bool can_encode(AudioFormat format, int sample_rate) {
  SF_INFO info{};
  info.samplerate = sample_rate > 0 ? sample_rate : format == AudioFormat::kOpus ? 48000 : 44100;
  if (format == AudioFormat::kMp3) return detail::can_encode_mp3(info.samplerate);
  if (format == AudioFormat::kAac) return detail::can_encode_aac(info.samplerate);
  info.channels = 1;
  info.format = detail::sndfile_format(format);
  return sf_format_check(&info) == SF_TRUE;
}

std::vector<std::uint8_t> encode_audio(std::span<const float> samples, AudioFormat format,
                                       const EncoderOptions& options) {
  std::unique_ptr<StreamEncoder> encoder = make_stream_encoder(format, options);
  std::vector<std::uint8_t> out = encoder->write(samples);
  std::vector<std::uint8_t> tail = encoder->finish();
  out.insert(out.end(), tail.begin(), tail.end());
  apply_late_writes(out, encoder->late_writes());  // the header's real sizes
  return out;
}

std::vector<std::uint8_t> encode_audio(std::span<const float> samples, int sample_rate, AudioFormat format) {
  if (sample_rate <= 0) throw Error(ErrorCode::kInvalidArgument, "sample rate must be positive");
  EncoderOptions options;
  options.input_rate = sample_rate;
  return encode_audio(samples, format, options);
}

void write_audio_file(const std::filesystem::path& path, std::span<const float> samples, int sample_rate,
                      AudioFormat format) {
  if (sample_rate <= 0) throw Error(ErrorCode::kInvalidArgument, "sample rate must be positive");
  EncoderOptions options;
  options.input_rate = sample_rate;
  write_audio_file(path, samples, format, options);
}

void write_audio_file(const std::filesystem::path& path, std::span<const float> samples, AudioFormat format,
                      const EncoderOptions& options) {
  std::vector<std::uint8_t> bytes = encode_audio(samples, format, options);
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::kIo, path.string() + ": cannot create file");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error(ErrorCode::kIo, path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(ErrorCode::kIo, path.string() + ": cannot move the finished file into place");
  }
}

}  // namespace fishtts::audio
