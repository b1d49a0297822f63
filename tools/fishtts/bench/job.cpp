#include "bench/job.h"

#include <algorithm>
#include <cstdio>

#include "bench/codec_variants.h"
#include "common/error.h"
#include "hw/engine_settings.h"
#include "hw/machine_bounds.h"

namespace fishtts::cli::bench {

Job Job::parse(const std::string& name) {
  const auto colon = name.find(':');
  Job job;
  job.part = name.substr(0, colon);
  job.precision = colon == std::string::npos ? "" : name.substr(colon + 1);
  const std::vector<std::string> precisions = hw::precision_names();
  const bool llm = job.part == "llm" && std::find(precisions.begin(), precisions.end(), job.precision) != precisions.end();
  const bool codec = job.part == "codec" && find_codec_variant(job.precision) != nullptr;
  if (!llm && !codec) {
    std::string variants;
    for (const std::string& v : codec_variant_names()) variants += (variants.empty() ? "" : "|") + v;
    throw Error(ErrorCode::kInvalidArgument, "bench job '" + name + "': expected llm:fp32|int8|int4|int4-mixed or codec:" + variants);
  }
  return job;
}

nlohmann::json JobOutput::to_json() const {
  nlohmann::json results_json = nlohmann::json::array();
  for (const WorkloadResult& r : results) results_json.push_back(r.to_json());
  return {{"bounds", bounds.to_json()}, {"results", results_json}, {"warnings", warnings}};
}

namespace {

// The machine's limits at `threads`, the better of this and an earlier measurement: on a shared machine a
// measurement can only come out low (another process took the cores), never high.
void measure_bounds(const Job& job, MachineBounds& b) {
  b.threads = job.threads;
  b.read_gbps = std::max(b.read_gbps, hw::measure_read_bandwidth_gbps(
                                          job.threads, static_cast<std::size_t>(job.config.bound_mb) << 20));
  b.fma_gflops = std::max(b.fma_gflops, hw::measure_fma_peak_gflops(job.threads));
  std::fprintf(stderr, "bench: %s x%d threads: read %.1f GB/s, FMA %.1f GFLOP/s\n", job.name().c_str(), job.threads,
               b.read_gbps, b.fma_gflops);
}

}  // namespace

JobOutput run_job(const Job& job) {
  JobOutput out;
  measure_bounds(job, out.bounds);
  if (job.part == "llm") {
    run_llm_workloads(job, out);
  } else {
    run_codec_workloads(job, out);
  }
  // Measured again after the workloads, and the bounds recomputed from the better figures.
  measure_bounds(job, out.bounds);
  for (WorkloadResult& r : out.results) r.bound.update_ms(out.bounds);
  return out;
}

}  // namespace fishtts::cli::bench
