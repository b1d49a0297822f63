#include <algorithm>
#include <cctype>
#include <fstream>
#include <unistd.h>

#include "audio/audio_io.h"
#include "audio/memory_sndfile.h"
#include "common/error.h"

namespace fishtts::audio {
namespace {

int sndfile_format(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case AudioFormat::kWavFloat: return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    case AudioFormat::kFlac: return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case AudioFormat::kMp3: return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    case AudioFormat::kPcm: return SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
  }
  return 0;
}

constexpr AudioFormat kAllFormats[] = {AudioFormat::kWav, AudioFormat::kWavFloat, AudioFormat::kFlac,
                                       AudioFormat::kMp3, AudioFormat::kPcm};

}  // namespace

const char* audio_format_name(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav: return "wav";
    case AudioFormat::kWavFloat: return "wav-float";
    case AudioFormat::kFlac: return "flac";
    case AudioFormat::kMp3: return "mp3";
    case AudioFormat::kPcm: return "pcm";
  }
  return "?";
}

AudioFormat parse_audio_format(const std::string& name) {
  for (AudioFormat f : kAllFormats) {
    if (name == audio_format_name(f)) return f;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "unknown audio format '" + name + "' (expected one of: wav, wav-float, flac, mp3, pcm)");
}

AudioFormat audio_format_for_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".wav") return AudioFormat::kWav;
  if (ext == ".flac") return AudioFormat::kFlac;
  if (ext == ".mp3") return AudioFormat::kMp3;
  if (ext == ".pcm" || ext == ".raw") return AudioFormat::kPcm;
  throw Error(ErrorCode::kInvalidArgument, path.string() + ": cannot tell the audio format from the extension '" +
                                               ext + "' (use .wav, .flac, .mp3 or .pcm)");
}

bool can_encode(AudioFormat format) {
  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 1;
  info.format = sndfile_format(format);
  return sf_format_check(&info) == SF_TRUE;
}

std::vector<std::uint8_t> encode_audio(std::span<const float> samples, int sample_rate, AudioFormat format) {
  if (sample_rate <= 0) throw Error(ErrorCode::kInvalidArgument, "sample rate must be positive");
  if (!can_encode(format)) {
    throw Error(ErrorCode::kUnsupported,
                std::string("this libsndfile cannot write ") + audio_format_name(format) + " audio");
  }
  std::vector<std::uint8_t> out;
  detail::MemoryFile mem;
  mem.output = &out;
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = sndfile_format(format);
  {
    detail::SndFile sf(sf_open_virtual(detail::memory_io(), SFM_WRITE, &info, &mem));
    if (!sf.get()) {
      throw Error(ErrorCode::kInternal, std::string("libsndfile refused to open a ") + audio_format_name(format) +
                                            " writer: " + sf_strerror(nullptr));
    }
    // Saturate out-of-range samples instead of letting them wrap around.
    sf_command(sf.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
    sf_count_t wrote = sf_writef_float(sf.get(), samples.data(), static_cast<sf_count_t>(samples.size()));
    if (wrote != static_cast<sf_count_t>(samples.size())) {
      throw Error(ErrorCode::kIo, std::string("writing ") + audio_format_name(format) +
                                      " audio failed: " + sf_strerror(sf.get()));
    }
  }  // closing finalises the header
  return out;
}

void write_audio_file(const std::filesystem::path& path, std::span<const float> samples, int sample_rate,
                      AudioFormat format) {
  std::vector<std::uint8_t> bytes = encode_audio(samples, sample_rate, format);
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
