// MP3 through LAME directly, so a stream carries no Xing/LAME tag: libsndfile writes a placeholder tag first
// and fills it in on close, and a stream that cannot take the placeholder back decodes cut short (mpg123 read
// 0.6 s of 2 s). Constant bitrate, so players estimate the duration from the size without the tag.
#include <lame/lame.h>

#include <algorithm>
#include <string>

#include "audio/codec_encoders.h"
#include "common/error.h"

namespace fishtts::audio::detail {
namespace {

class Mp3Encoder final : public StreamEncoder {
 public:
  explicit Mp3Encoder(int sample_rate) : rate_(sample_rate), lame_(lame_init()) {
    if (!lame_) throw Error(ErrorCode::kInternal, "lame_init failed (out of memory?)");
    lame_set_in_samplerate(lame_, sample_rate);
    lame_set_out_samplerate(lame_, sample_rate);
    lame_set_num_channels(lame_, 1);
    lame_set_mode(lame_, MONO);
    lame_set_quality(lame_, 2);  // as libsndfile sets it: near-best psychoacoustics, still ~50x real time
    lame_set_bWriteVbrTag(lame_, 0);
    lame_set_write_id3tag_automatic(lame_, 0);
    if (lame_init_params(lame_) < 0) {
      lame_close(lame_);
      throw Error(ErrorCode::kInvalidArgument, "mp3 cannot be encoded at " + std::to_string(sample_rate) + " Hz");
    }
  }
  ~Mp3Encoder() override { lame_close(lame_); }

  std::vector<std::uint8_t> write(std::span<const float> samples) override {
    if (finished_) throw Error(ErrorCode::kInternal, "mp3 encoder: written after finish");
    std::vector<std::uint8_t> out;
    // LAME takes an int count; bounded steps keep its output buffer small.
    constexpr std::size_t kStep = 1 << 16;
    for (std::size_t at = 0; at < samples.size(); at += kStep) {
      const std::size_t n = std::min(kStep, samples.size() - at);
      clipped_.assign(samples.begin() + static_cast<std::ptrdiff_t>(at),
                      samples.begin() + static_cast<std::ptrdiff_t>(at + n));
      for (float& v : clipped_) v = std::clamp(v, -1.0f, 1.0f);  // as the libsndfile formats clip
      std::vector<std::uint8_t> buffer(n + n / 4 + 7200);     // LAME's documented worst case
      const int made = lame_encode_buffer_ieee_float(lame_, clipped_.data(), clipped_.data(), static_cast<int>(n),
                                                     buffer.data(), static_cast<int>(buffer.size()));
      if (made < 0) throw Error(ErrorCode::kInternal, "LAME encoding failed (code " + std::to_string(made) + ")");
      out.insert(out.end(), buffer.begin(), buffer.begin() + made);
    }
    return out;
  }

  std::vector<std::uint8_t> finish() override {
    if (finished_) throw Error(ErrorCode::kInternal, "mp3 encoder: finished twice");
    finished_ = true;
    std::vector<std::uint8_t> buffer(7200);
    const int made = lame_encode_flush(lame_, buffer.data(), static_cast<int>(buffer.size()));
    if (made < 0) throw Error(ErrorCode::kInternal, "LAME flush failed (code " + std::to_string(made) + ")");
    buffer.resize(static_cast<std::size_t>(made));
    return buffer;
  }

  int output_rate() const override { return rate_; }

 private:
  int rate_;
  lame_global_flags* lame_;
  std::vector<float> clipped_;
  bool finished_ = false;
};

}  // namespace

bool can_encode_mp3(int sample_rate) {
  // MPEG-1, 2 and 2.5 layer III rates.
  for (int r : {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}) {
    if (r == sample_rate) return true;
  }
  return false;
}

std::unique_ptr<StreamEncoder> make_mp3_encoder(int sample_rate) { return std::make_unique<Mp3Encoder>(sample_rate); }

}  // namespace fishtts::audio::detail
