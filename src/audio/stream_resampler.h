// Chunk-by-chunk resampling with soxr (high quality), for encoders fed while audio is generated: the same
// filter as resample(), with its state kept between chunks so there is no seam.
#pragma once

#include <memory>
#include <span>
#include <vector>

struct soxr;

namespace fishtts::audio {

class StreamResampler {
 public:
  StreamResampler(double from_rate, double to_rate);  // throws kInvalidArgument for a rate <= 0
  ~StreamResampler();
  StreamResampler(const StreamResampler&) = delete;
  StreamResampler& operator=(const StreamResampler&) = delete;

  // Resamples more input; returns what the filter has ready (it holds back its delay until flush).
  std::vector<float> process(std::span<const float> samples);
  // The filter's tail; afterwards the total output is ~input * to / from.
  std::vector<float> flush();

 private:
  std::vector<float> run(const float* samples, std::size_t count);
  soxr* handle_ = nullptr;
  double ratio_;
};

}  // namespace fishtts::audio
