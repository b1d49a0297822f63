#include "hw/cpu_info.h"
#include "ort/snake_kernel.h"

namespace fishtts::ort {
namespace {

struct Choice {
  SnakeRowFn fn;
  SnakeTiledFn tiled;
  const char* isa;
};

Choice choose() {
  const hw::IsaFeatures isa = hw::detect_cpu().isa;
  // Eigen's AVX-512 float packets use AVX512DQ instructions too; every AVX-512 CPU with F and BW has DQ.
  if (isa.avx512f && isa.avx512bw) return {snake_detail::snake_row_avx512, snake_detail::snake_tiled_avx512, "avx512"};
  if (isa.avx2 && isa.fma) return {snake_detail::snake_row_avx2, snake_detail::snake_tiled_avx2, "avx2"};
  return {snake_detail::snake_row_baseline, snake_detail::snake_tiled_baseline, "baseline"};
}

const Choice& choice() {
  static const Choice c = choose();
  return c;
}

}  // namespace

SnakeRowFn snake_row_for_cpu() { return choice().fn; }
SnakeTiledFn snake_tiled_for_cpu() { return choice().tiled; }
const char* snake_row_isa() { return choice().isa; }

}  // namespace fishtts::ort
