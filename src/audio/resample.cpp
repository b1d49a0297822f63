#include <soxr.h>

#include <cmath>

#include "audio/audio_io.h"
#include "common/error.h"

namespace fishtts::audio {

std::vector<float> resample(std::span<const float> samples, double from_rate, double to_rate) {
  if (!(from_rate > 0) || !(to_rate > 0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "resample: rates must be positive, got " + std::to_string(from_rate) + " -> " + std::to_string(to_rate));
  }
  if (from_rate == to_rate || samples.empty()) return {samples.begin(), samples.end()};
  auto out_len = static_cast<std::size_t>(std::ceil(static_cast<double>(samples.size()) * to_rate / from_rate));
  std::vector<float> out(out_len);
  std::size_t done = 0;
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  // High quality (soxr's default for soxr_create; oneshot would otherwise use low quality).
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, samples.data(), samples.size(), nullptr, out.data(),
                                  out.size(), &done, &io, &quality, nullptr);
  if (err) throw Error(ErrorCode::kInternal, std::string("soxr resampling failed: ") + err);
  out.resize(done);
  return out;
}

}  // namespace fishtts::audio
