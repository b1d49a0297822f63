// One child process of `fishtts bench`: one model part (transformer or codec), one precision, one thread count
// (ONNX Runtime's thread pool is fixed per process, so each thread count needs its own process).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_config.h"
#include "bench/result.h"
#include "pipeline/engine.h"

namespace fishtts::cli::bench {

struct Job {
  std::string part;       // "llm" (transformer + end to end) or "codec"
  std::string precision;  // transformer precision, or the codec variant
  int threads = 1;
  bool quality = false;   // also compare against (or, for fp32, write) the reference in reference_dir
  BenchConfig config;
  pipeline::EngineParams params;  // model, cache dir; threads and precisions are set by the job
  std::filesystem::path reference_dir;

  // "llm:int4" / "codec:fp32"; parse throws Error(kInvalidArgument) naming the accepted forms.
  std::string name() const { return part + ":" + precision; }
  static Job parse(const std::string& name);
};

struct JobOutput {
  MachineBounds bounds;
  std::vector<WorkloadResult> results;
  std::vector<std::string> warnings;
  nlohmann::json to_json() const;
};

// Measures the machine's bounds at the job's thread count, then runs the job's workloads.
JobOutput run_job(const Job& job);

// Prefill, generate (stop ignored), say and its time to first audio, at the job's transformer precision.
void run_llm_workloads(const Job& job, JobOutput& out);
// Codec decode and encode of the configured seconds, with the job's codec variant.
void run_codec_workloads(const Job& job, JobOutput& out);

}  // namespace fishtts::cli::bench
