// The int4-mixed recipe (llama.cpp's Q4_K_M in spirit): int4 weights, except the matmuls whose error reaches the
// sampled distributions most directly, kept at int8 for a few percent more weight bytes:
// - both heads (`output`, `fast_output`): their error lands on the logits unmixed, and they are small (the
//   semantic sample space keeps 4,097 + 1,024 rows);
// - the FFN down projection (`feed_forward.w2`) of the layers llama.cpp's use_more_bits() picks: the first and
//   last eighth of a stack and every third layer between (14 of S1-mini's 28 slow layers, 2 of the 4 fast ones).
// Q4_K_M also keeps attention V at higher precision; here V is fused into wqkv, one matmul, so it stays int4.
#pragma once

#include <cstdint>
#include <string_view>

namespace fishtts::convert {

// llama.cpp's use_more_bits(i_layer, n_layers).
bool use_more_bits(int64_t layer, int64_t layers);

// Bits of the linear `name` ("output", "fast_output", "layers.<i>.feed_forward.w2", "fast_layers.<i>...") under
// int4-mixed, for stacks of `slow_layers` and `fast_layers` layers. Throws Error(kInvalidArgument) when a count is 0.
int int4_mixed_bits(std::string_view name, int64_t slow_layers, int64_t fast_layers);

}  // namespace fishtts::convert
