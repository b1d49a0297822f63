// Speed without a pitch change (the APIs' `speed`, 0.25-4.0): SoundTouch's WSOLA time-stretch, whole buffers or
// chunk by chunk as audio is generated. Speed 1 passes samples through untouched.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace soundtouch {
class SoundTouch;
}

namespace fishtts::audio {

constexpr double kMinSpeed = 0.25;
constexpr double kMaxSpeed = 4.0;

// Throws kInvalidArgument naming the allowed range.
void validate_speed(double speed);

class TimeStretcher {
 public:
  TimeStretcher(int sample_rate, double speed);
  ~TimeStretcher();
  TimeStretcher(const TimeStretcher&) = delete;
  TimeStretcher& operator=(const TimeStretcher&) = delete;

  // Pushes a chunk; returns the stretched audio ready so far (WSOLA holds back a window, ~0.1 s).
  std::vector<float> process(std::span<const float> samples);
  // The rest: afterwards the total output is round(input / speed) samples.
  std::vector<float> flush();

 private:
  std::vector<float> receive(std::size_t limit);

  double speed_;
  std::unique_ptr<soundtouch::SoundTouch> st_;  // null at speed 1
  std::uint64_t in_ = 0;
  std::uint64_t out_ = 0;
  std::vector<float> clean_;  // the chunk with non-finite samples made safe
};

std::vector<float> time_stretch(std::span<const float> samples, int sample_rate, double speed);

}  // namespace fishtts::audio
