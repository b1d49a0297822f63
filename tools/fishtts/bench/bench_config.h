// What one `fishtts bench` run measures: repetitions and the fixed workload sizes (so runs compare).
#pragma once

#include <nlohmann/json.hpp>

namespace fishtts::cli::bench {

struct BenchConfig {
  int runs = 5;
  int warmup = 1;
  int prefill_tokens = 200;   // prompt positions of the prefill workload
  int frames = 100;           // generated frames (stop token ignored) of the generate and say workloads
  double codec_seconds = 10;  // audio of the codec decode / encode workloads
  int bound_mb = 1024;        // buffer of the bandwidth measurement (far larger than the caches)
  // --quality-only: the transformer jobs time the prefill and compare logits, then skip generate / say (minutes
  // on S1-mini, and quality needs no repetitions). Codec jobs are unchanged (leave them out with --parts llm).
  bool quality_only = false;

  // --quick: one run, no warm-up, small sizes (a smoke test, not figures to compare).
  void make_quick();
  nlohmann::json to_json() const;
};

}  // namespace fishtts::cli::bench
