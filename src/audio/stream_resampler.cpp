#include "audio/stream_resampler.h"

#include <soxr.h>

#include <cmath>
#include <string>

#include "common/error.h"

namespace fishtts::audio {

StreamResampler::StreamResampler(double from_rate, double to_rate) : ratio_(to_rate / from_rate) {
  if (!(from_rate > 0) || !(to_rate > 0)) {
    throw Error(ErrorCode::kInvalidArgument, "resample: rates must be positive, got " + std::to_string(from_rate) +
                                                 " -> " + std::to_string(to_rate));
  }
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);  // as resample()
  soxr_error_t err = nullptr;
  handle_ = soxr_create(from_rate, to_rate, 1, &err, &io, &quality, nullptr);
  if (err || !handle_) throw Error(ErrorCode::kInternal, std::string("soxr_create failed: ") + (err ? err : "?"));
}

StreamResampler::~StreamResampler() { soxr_delete(handle_); }

std::vector<float> StreamResampler::run(const float* samples, std::size_t count) {
  std::vector<float> out;
  std::vector<float> buffer(static_cast<std::size_t>(std::ceil(static_cast<double>(count) * ratio_)) + 1024);
  // soxr may take only part of the input per call (and, flushing, give its tail over several calls).
  for (;;) {
    std::size_t used = 0;
    std::size_t made = 0;
    soxr_error_t err = soxr_process(handle_, samples, count, &used, buffer.data(), buffer.size(), &made);
    if (err) throw Error(ErrorCode::kInternal, std::string("soxr resampling failed: ") + err);
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(made));
    if (samples) {
      samples += used;
      count -= used;
      if (count == 0) break;
    } else if (made == 0) {
      break;
    }
  }
  return out;
}

std::vector<float> StreamResampler::process(std::span<const float> samples) {
  if (samples.empty()) return {};
  return run(samples.data(), samples.size());
}

std::vector<float> StreamResampler::flush() { return run(nullptr, 0); }

}  // namespace fishtts::audio
