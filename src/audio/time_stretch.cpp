#include "audio/time_stretch.h"

#include <soundtouch/SoundTouch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "audio/finite_samples.h"
#include "common/error.h"

namespace fishtts::audio {

void validate_speed(double speed) {
  if (!(speed >= kMinSpeed && speed <= kMaxSpeed)) {
    throw Error(ErrorCode::kInvalidArgument,
                "speed must be between 0.25 and 4.0, got " + std::to_string(speed));
  }
}

TimeStretcher::TimeStretcher(int sample_rate, double speed) : speed_(speed) {
  validate_speed(speed);
  if (sample_rate <= 0) throw Error(ErrorCode::kInvalidArgument, "time stretch: sample rate must be positive");
  if (speed == 1.0) return;
  st_ = std::make_unique<soundtouch::SoundTouch>();
  st_->setSampleRate(static_cast<unsigned>(sample_rate));
  st_->setChannels(1);
  st_->setTempo(speed);  // tempo, not rate: the pitch stays
}

TimeStretcher::~TimeStretcher() = default;

std::vector<float> TimeStretcher::receive(std::size_t limit) {
  std::vector<float> out(std::min<std::size_t>(st_->numSamples(), limit));
  std::size_t got = 0;
  while (got < out.size()) {
    const unsigned n = st_->receiveSamples(out.data() + got, static_cast<unsigned>(out.size() - got));
    if (n == 0) break;
    got += n;
  }
  out.resize(got);
  out_ += got;
  return out;
}

std::vector<float> TimeStretcher::process(std::span<const float> samples) {
  if (!st_) return {samples.begin(), samples.end()};
  // SoundTouch takes an unsigned count: bounded steps.
  constexpr std::size_t kStep = 1 << 16;
  std::vector<float> out;
  detail::finite_copy(samples, clean_);
  for (std::size_t at = 0; at < clean_.size(); at += kStep) {
    const std::size_t n = std::min(kStep, clean_.size() - at);
    st_->putSamples(clean_.data() + at, static_cast<unsigned>(n));
    in_ += n;
    std::vector<float> ready = receive(SIZE_MAX);
    out.insert(out.end(), ready.begin(), ready.end());
  }
  return out;
}

std::vector<float> TimeStretcher::flush() {
  if (!st_) return {};
  // SoundTouch's flush pads with silence to push the last window out: keep exactly input / speed in all.
  const auto total = static_cast<std::uint64_t>(std::llround(static_cast<double>(in_) / speed_));
  st_->flush();
  std::vector<float> out = receive(total > out_ ? total - out_ : 0);
  st_->clear();
  if (out_ < total) out.resize(out.size() + (total - out_), 0.0f);  // a few samples short: silence, as SoundTouch pads
  out_ = total;
  return out;
}

std::vector<float> time_stretch(std::span<const float> samples, int sample_rate, double speed) {
  TimeStretcher stretcher(sample_rate, speed);
  std::vector<float> out = stretcher.process(samples);
  std::vector<float> tail = stretcher.flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace fishtts::audio
