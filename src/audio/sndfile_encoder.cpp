// libsndfile as a stream encoder: every write() hands out what libsndfile has written so far.
#include <cstring>
#include <string>

#include "audio/codec_encoders.h"
#include "audio/stream_sndfile.h"
#include "common/error.h"

namespace fishtts::audio::detail {
namespace {

// Ogg pages close after this much audio, so a stream's bytes leave with each generated chunk (libsndfile's
// default holds a page for up to a second); a page costs ~30 bytes, under 3% at the default bitrate.
constexpr double kOggPageLatencyMs = 100.0;

void put_u32le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32le(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// A streamed WAV cannot know its length: the RIFF and data sizes say "unknown" (0xFFFFFFFF), which ffmpeg,
// browsers and libsndfile read as "until the end"; a file gets the real sizes back from the late writes.
void mark_wav_sizes_unknown(std::vector<std::uint8_t>& header) {
  if (header.size() < 12 || std::memcmp(header.data(), "RIFF", 4) != 0) return;
  put_u32le(header.data() + 4, 0xFFFFFFFFu);
  std::size_t at = 12;
  while (at + 8 <= header.size()) {
    if (std::memcmp(header.data() + at, "data", 4) == 0) {
      put_u32le(header.data() + at + 4, 0xFFFFFFFFu);
      return;
    }
    at += 8 + get_u32le(header.data() + at + 4);
  }
}

class SndfileEncoder final : public StreamEncoder {
 public:
  SndfileEncoder(AudioFormat format, int sample_rate) : format_(format), rate_(sample_rate) {
    SF_INFO info{};
    info.samplerate = sample_rate;
    info.channels = 1;
    info.format = sndfile_format(format);
    handle_ = sf_open_virtual(stream_io(), SFM_WRITE, &info, &file_);
    if (!handle_) {
      throw Error(ErrorCode::kInternal, std::string("libsndfile refused to open a ") + audio_format_name(format) +
                                            " writer at " + std::to_string(sample_rate) + " Hz: " + sf_strerror(nullptr));
    }
    // Saturate out-of-range samples instead of letting them wrap around.
    sf_command(handle_, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    if (format == AudioFormat::kOpus) {
      double ms = kOggPageLatencyMs;
      sf_command(handle_, SFC_SET_OGG_PAGE_LATENCY_MS, &ms, sizeof ms);
    }
  }
  ~SndfileEncoder() override {
    if (handle_) sf_close(handle_);
  }

  std::vector<std::uint8_t> write(std::span<const float> samples) override {
    if (!handle_) throw Error(ErrorCode::kInternal, std::string(audio_format_name(format_)) + " encoder: written after finish");
    if (!samples.empty() && sf_writef_float(handle_, samples.data(), static_cast<sf_count_t>(samples.size())) !=
                                static_cast<sf_count_t>(samples.size())) {
      throw Error(ErrorCode::kIo, std::string("encoding ") + audio_format_name(format_) + " failed: " + sf_strerror(handle_));
    }
    return take();
  }

  std::vector<std::uint8_t> finish() override {
    if (!handle_) throw Error(ErrorCode::kInternal, std::string(audio_format_name(format_)) + " encoder: finished twice");
    const int rc = sf_close(handle_);  // flushes the codec, then fixes the header up (late writes)
    handle_ = nullptr;
    if (rc != 0) throw Error(ErrorCode::kIo, std::string("finishing ") + audio_format_name(format_) + " failed");
    return take();
  }

  std::vector<LateWrite> late_writes() const override { return file_.late; }
  int output_rate() const override { return rate_; }

 private:
  std::vector<std::uint8_t> take() {
    const bool first = file_.taken == 0;
    std::vector<std::uint8_t> bytes = file_.take();
    if (first && (format_ == AudioFormat::kWav || format_ == AudioFormat::kWavFloat)) mark_wav_sizes_unknown(bytes);
    return bytes;
  }

  AudioFormat format_;
  int rate_;
  StreamFile file_;
  SNDFILE* handle_ = nullptr;
};

}  // namespace

int sndfile_format(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case AudioFormat::kWavFloat: return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    case AudioFormat::kFlac: return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case AudioFormat::kMp3:  // LAME's (mp3_encoder.cpp)
    case AudioFormat::kAac: return 0;  // FFmpeg's (aac_encoder.cpp)
    case AudioFormat::kOpus: return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    case AudioFormat::kPcm: return SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
  }
  return 0;
}

std::unique_ptr<StreamEncoder> make_sndfile_encoder(AudioFormat format, int sample_rate) {
  return std::make_unique<SndfileEncoder>(format, sample_rate);
}

}  // namespace fishtts::audio::detail
