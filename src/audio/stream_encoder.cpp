#include "audio/stream_encoder.h"

#include <string>

#include "audio/codec_encoders.h"
#include "audio/finite_samples.h"
#include "audio/stream_resampler.h"
#include "common/error.h"

namespace fishtts::audio {
namespace {

constexpr int kMaxRate = 384000;

bool opus_rate(int rate) { return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000; }

int encoded_rate(AudioFormat format, const EncoderOptions& options) {
  if (options.output_rate > 0) return options.output_rate;
  return format == AudioFormat::kOpus ? 48000 : options.input_rate;
}

// What every encoder gets in front: non-finite samples made safe (finite_samples.h), then the rate converted with
// the filter's state kept across chunks.
class InputStage final : public StreamEncoder {
 public:
  InputStage(std::unique_ptr<StreamEncoder> inner, int from_rate) : inner_(std::move(inner)) {
    if (from_rate != inner_->output_rate()) resampler_ = std::make_unique<StreamResampler>(from_rate, inner_->output_rate());
  }

  std::vector<std::uint8_t> write(std::span<const float> samples) override {
    detail::finite_copy(samples, clean_);  // finite samples pass untouched: each format clips them itself
    return inner_->write(resampler_ ? resampler_->process(clean_) : clean_);
  }
  std::vector<std::uint8_t> finish() override {
    std::vector<std::uint8_t> bytes = resampler_ ? inner_->write(resampler_->flush()) : std::vector<std::uint8_t>{};
    std::vector<std::uint8_t> tail = inner_->finish();
    bytes.insert(bytes.end(), tail.begin(), tail.end());
    return bytes;
  }
  std::vector<LateWrite> late_writes() const override { return inner_->late_writes(); }
  int output_rate() const override { return inner_->output_rate(); }

 private:
  std::unique_ptr<StreamEncoder> inner_;
  std::unique_ptr<StreamResampler> resampler_;  // null when the rates match
  std::vector<float> clean_;
};

}  // namespace

void EncoderOptions::validate(AudioFormat format) const {
  if (input_rate <= 0 || input_rate > kMaxRate) {
    throw Error(ErrorCode::kInvalidArgument, "input_rate must be 1-" + std::to_string(kMaxRate) + " Hz, got " +
                                                 std::to_string(input_rate));
  }
  if (output_rate < 0 || output_rate > kMaxRate) {
    throw Error(ErrorCode::kInvalidArgument, "output_rate must be 0 (the input's) or 1-" + std::to_string(kMaxRate) +
                                                 " Hz, got " + std::to_string(output_rate));
  }
  const int rate = encoded_rate(format, *this);
  if (format == AudioFormat::kOpus && !opus_rate(rate)) {
    throw Error(ErrorCode::kInvalidArgument,
                "output_rate " + std::to_string(rate) + " Hz: opus takes only 8000, 12000, 16000, 24000 or 48000");
  }
}

std::unique_ptr<StreamEncoder> make_stream_encoder(AudioFormat format, const EncoderOptions& options) {
  options.validate(format);
  const int rate = encoded_rate(format, options);
  if (!can_encode(format, rate)) {
    throw Error(ErrorCode::kUnsupported, std::string("this machine's libraries cannot write ") +
                                             audio_format_name(format) + " audio at " + std::to_string(rate) + " Hz");
  }
  std::unique_ptr<StreamEncoder> encoder = format == AudioFormat::kMp3   ? detail::make_mp3_encoder(rate)
                                           : format == AudioFormat::kAac ? detail::make_aac_encoder(rate)
                                                                         : detail::make_sndfile_encoder(format, rate);
  return std::make_unique<InputStage>(std::move(encoder), options.input_rate);
}

void apply_late_writes(std::vector<std::uint8_t>& file, const std::vector<LateWrite>& writes) {
  for (const LateWrite& w : writes) {
    if (w.offset + w.bytes.size() > file.size()) {
      throw Error(ErrorCode::kInternal, "encoder fix-up at byte " + std::to_string(w.offset) + " is past the end");
    }
    std::copy(w.bytes.begin(), w.bytes.end(), file.begin() + static_cast<std::ptrdiff_t>(w.offset));
  }
}

}  // namespace fishtts::audio
