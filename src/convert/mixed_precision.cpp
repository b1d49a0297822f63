#include "convert/mixed_precision.h"

#include <charconv>
#include <string>

#include "common/error.h"

namespace fishtts::convert {
namespace {

// The layer index after `prefix` ("layers." -> 12 in "layers.12.feed_forward.w2"), or -1.
int64_t layer_index(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return -1;
  int64_t i = -1;
  const char* begin = name.data() + prefix.size();
  const auto [end, ec] = std::from_chars(begin, name.data() + name.size(), i);
  return ec == std::errc() && end != begin && *end == '.' ? i : -1;
}

}  // namespace

bool use_more_bits(int64_t layer, int64_t layers) {
  return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

int int4_mixed_bits(std::string_view name, int64_t slow_layers, int64_t fast_layers) {
  if (slow_layers <= 0 || fast_layers <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "int4-mixed needs both stacks' layer counts (got " +
                                                 std::to_string(slow_layers) + " and " + std::to_string(fast_layers) + ")");
  }
  if (name == "output" || name == "fast_output") return 8;
  if (!name.ends_with(".feed_forward.w2")) return 4;
  if (const int64_t i = layer_index(name, "fast_layers."); i >= 0) return use_more_bits(i, fast_layers) ? 8 : 4;
  if (const int64_t i = layer_index(name, "layers."); i >= 0) return use_more_bits(i, slow_layers) ? 8 : 4;
  return 4;
}

}  // namespace fishtts::convert
