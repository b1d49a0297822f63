// Samples from outside (a model, a caller) may hold NaN or infinities; codecs do not survive them (LAME aborts the
// process on a NaN, psymodel.c's `el >= 0` assertion, measured; SoundTouch turns one NaN into NaN forever after).
// NaN becomes silence, +-inf full scale; finite samples are untouched. Internal to src/audio.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace fishtts::audio::detail {

inline void finite_copy(std::span<const float> in, std::vector<float>& out) {
  out.resize(in.size());
  std::transform(in.begin(), in.end(), out.begin(),
                 [](float v) { return std::isnan(v) ? 0.0f : std::isinf(v) ? std::copysign(1.0f, v) : v; });
}

}  // namespace fishtts::audio::detail
