#include "bench/bench_config.h"

namespace fishtts::cli::bench {

void BenchConfig::make_quick() {
  runs = 1;
  warmup = 0;
  frames = 20;
  codec_seconds = 2;
  bound_mb = 256;
}

nlohmann::json BenchConfig::to_json() const {
  return {{"runs", runs},     {"warmup", warmup},           {"prefill_tokens", prefill_tokens},
          {"frames", frames}, {"codec_seconds", codec_seconds}, {"bound_mb", bound_mb},
          {"quality_only", quality_only}};
}

}  // namespace fishtts::cli::bench
