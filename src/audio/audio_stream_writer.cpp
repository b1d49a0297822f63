#include "audio/audio_stream_writer.h"

#include <cstdint>
#include <vector>

#include "common/error.h"

namespace fishtts::audio {

AudioStreamWriter::AudioStreamWriter(const std::filesystem::path& path, int sample_rate, AudioFormat format)
    : path_(path), sample_rate_(sample_rate), to_stdout_(path == "-") {
  if (to_stdout_) return;
  if (format == AudioFormat::kPcm) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": raw pcm streams only to stdout (-o -)");
  }
  std::vector<std::uint8_t> probe = encode_audio({}, sample_rate, format);  // fails early if unsupported
  (void)probe;
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = format == AudioFormat::kWav       ? (SF_FORMAT_WAV | SF_FORMAT_PCM_16)
                : format == AudioFormat::kWavFloat ? (SF_FORMAT_WAV | SF_FORMAT_FLOAT)
                : format == AudioFormat::kFlac     ? (SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
                                                   : (SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III);
  file_ = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file_) throw Error(ErrorCode::kIo, path.string() + ": cannot write (" + sf_strerror(nullptr) + ")");
  sf_command(file_, SFC_SET_CLIPPING, nullptr, SF_TRUE);
}

AudioStreamWriter::~AudioStreamWriter() {
  try {
    close();
  } catch (...) {
  }
}

void AudioStreamWriter::write(std::span<const float> samples) {
  if (samples.empty()) return;
  if (to_stdout_) {
    std::vector<std::uint8_t> bytes = encode_audio(samples, sample_rate_, AudioFormat::kPcm);
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
      throw Error(ErrorCode::kIo, "stdout: write failed");
    }
    return;
  }
  if (!file_) throw Error(ErrorCode::kInternal, path_.string() + ": written after close");
  if (sf_writef_float(file_, samples.data(), static_cast<sf_count_t>(samples.size())) !=
      static_cast<sf_count_t>(samples.size())) {
    throw Error(ErrorCode::kIo, path_.string() + ": write failed (" + sf_strerror(file_) + ")");
  }
  sf_write_sync(file_);  // readers see the samples now, not at close
}

void AudioStreamWriter::close() {
  if (file_) {
    const int rc = sf_close(file_);
    file_ = nullptr;
    if (rc != 0) throw Error(ErrorCode::kIo, path_.string() + ": closing failed");
  }
}

}  // namespace fishtts::audio
