// The accepted ranges of /v1/tts's tuning fields (spec 3.7), shared by the request parser and the page's
// settings (/v1/ui/config). Their defaults are lm::GenerationParams' (the S1 API's).
#pragma once

namespace fishtts::server {

struct FieldRange {
  const char* name;
  double min;
  double max;
};

inline constexpr FieldRange kTemperatureRange{"temperature", 0.1, 1.0};
inline constexpr FieldRange kTopPRange{"top_p", 0.1, 1.0};
inline constexpr FieldRange kRepetitionPenaltyRange{"repetition_penalty", 0.9, 2.0};
inline constexpr FieldRange kMaxNewTokensRange{"max_new_tokens", 0, 1 << 20};  // 0 = to the end of the context

}  // namespace fishtts::server
