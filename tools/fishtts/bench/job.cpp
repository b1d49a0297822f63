#include "bench/job.h"

#include <cstdio>

#include "bench/codec_variants.h"
#include "common/error.h"
#include "hw/machine_bounds.h"

namespace fishtts::cli::bench {

Job Job::parse(const std::string& name) {
  const auto colon = name.find(':');
  Job job;
  job.part = name.substr(0, colon);
  job.precision = colon == std::string::npos ? "" : name.substr(colon + 1);
  const bool llm = job.part == "llm" && (job.precision == "fp32" || job.precision == "int8" || job.precision == "int4");
  const bool codec = job.part == "codec" && find_codec_variant(job.precision) != nullptr;
  if (!llm && !codec) {
    std::string variants;
    for (const std::string& v : codec_variant_names()) variants += (variants.empty() ? "" : "|") + v;
    throw Error(ErrorCode::kInvalidArgument, "bench job '" + name + "': expected llm:fp32|int8|int4 or codec:" + variants);
  }
  return job;
}

nlohmann::json JobOutput::to_json() const {
  nlohmann::json results_json = nlohmann::json::array();
  for (const WorkloadResult& r : results) results_json.push_back(r.to_json());
  return {{"bounds", bounds.to_json()}, {"results", results_json}, {"warnings", warnings}};
}

JobOutput run_job(const Job& job) {
  JobOutput out;
  out.bounds.threads = job.threads;
  out.bounds.read_gbps =
      hw::measure_read_bandwidth_gbps(job.threads, static_cast<std::size_t>(job.config.bound_mb) << 20);
  out.bounds.fma_gflops = hw::measure_fma_peak_gflops(job.threads);
  std::fprintf(stderr, "bench: %s x%d threads: read %.1f GB/s, FMA %.1f GFLOP/s\n", job.name().c_str(), job.threads,
               out.bounds.read_gbps, out.bounds.fma_gflops);
  if (job.part == "llm") {
    run_llm_workloads(job, out);
  } else {
    run_codec_workloads(job, out);
  }
  return out;
}

}  // namespace fishtts::cli::bench
