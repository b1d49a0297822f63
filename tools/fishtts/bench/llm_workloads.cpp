// The transformer and end-to-end workloads of one precision: prefill, generate (stop ignored), say and its
// streaming time to first audio, with the fp32 comparison of the logits when the job asks for it.
#include <algorithm>
#include <cstdio>

#include "bench/job.h"
#include "bench/measure.h"
#include "bench/quality.h"
#include "bench/workload_inputs.h"
#include "codec/codec_compute.h"
#include "checkpoint/codec_config.h"
#include "common/error.h"
#include "convert/weight_traffic.h"
#include "lm/generate.h"
#include "pipeline/synthesis.h"

namespace fishtts::cli::bench {
namespace {

// Teacher-forced decode steps compared after the prefill (issue 21: prefill + 50 steps, each with its fast pass of
// num_codebooks - 1 calls, so ~500 fast vectors: enough for a KL mean that a few outliers do not swing).
constexpr int kQualitySteps = 50;

// FLOPs of a prefill: every prompt position through the slow layers, the head at the last one only.
double prefill_flops(const lm::LlmInfo& info, int positions) {
  const double head = static_cast<double>(info.slow.head_rows * info.slow.dim);
  return 2 * ((info.slow.matmul_weights() - head) * positions + head);
}

// Weight bytes one frame streams: one slow call and num_codebooks - 1 fast calls, from the bundle's files.
double weight_bytes_per_frame(const std::string& bundle_dir, const lm::LlmInfo& info) {
  const auto slow = convert::graph_weight_traffic(bundle_dir + "/slow.onnx");
  const auto fast = convert::graph_weight_traffic(bundle_dir + "/fast.onnx");
  return static_cast<double>(slow.streamed_bytes) +
         static_cast<double>(info.num_codebooks - 1) * static_cast<double>(fast.streamed_bytes);
}

WorkloadResult result(const Job& job, const char* workload, const char* group, const Measurement& m) {
  WorkloadResult r;
  r.workload = workload;
  r.group = group;
  r.precision = job.precision;
  r.threads = job.threads;
  r.stats = m.stats;
  r.peak_rss_bytes = m.peak_rss_bytes;
  return r;
}

lm::GenerationParams fixed_frames(int frames) {
  lm::GenerationParams p;
  p.max_new_tokens = frames + 1;  // columns, the dropped final one included
  p.ignore_stop = true;
  p.seed = 42;
  return p;
}

}  // namespace

void run_llm_workloads(const Job& job, JobOutput& out) {
  pipeline::EngineParams params = job.params;
  params.overrides.threads = job.threads;
  params.overrides.precision = hw::parse_precision(job.precision);
  auto engine = pipeline::Engine::create(params, [](const std::string& l) { std::fprintf(stderr, "bench: %s\n", l.c_str()); });
  const pipeline::EngineLoadInfo& load = engine->load_info();
  out.warnings.insert(out.warnings.end(), load.warnings.begin(), load.warnings.end());
  if (load.precision != job.precision) {
    throw Error(ErrorCode::kUnsupported, "bench " + job.name() + ": the engine loaded " + load.precision +
                                             " weights instead (see the warnings above)");
  }
  const lm::LlmModel& llm = engine->llm();
  const lm::LlmInfo& info = llm.info();
  const codec::CodecInfo& codec_info = engine->codec().info();
  const double frame_seconds = static_cast<double>(codec_info.frame_length) / static_cast<double>(codec_info.sample_rate);
  const Bound frame_bound = Bound::bandwidth(weight_bytes_per_frame(load.bundle_dir, info), out.bounds);
  const double codec_flops_per_frame =
      2 * codec::codec_macs_per_frame(checkpoint::CodecConfig::for_checkpoint_dir(load.bundle_dir)).decode_per_frame;
  const BenchConfig& c = job.config;
  const std::string tag = job.name() + " x" + std::to_string(job.threads);

  // Prefill: the fixed prompt into a fresh KV cache (allocation not timed).
  const text::IntMatrix long_prompt = prompt_of_length(engine->tokenizer(), info, c.prefill_tokens);
  Measurement m = measure(tag + " prefill", c.warmup, c.runs, [&] {
    auto session = llm.new_session(c.prefill_tokens + 1);
    const double t0 = now_ms();
    session->prefill(long_prompt);
    return now_ms() - t0;
  });
  WorkloadResult prefill = result(job, "prefill", "transformer", m);
  prefill.tokens = c.prefill_tokens;
  prefill.bound = Bound::compute(prefill_flops(info, c.prefill_tokens), out.bounds);
  if (job.quality) {
    const LogitSample sample = capture_logits(llm, long_prompt, kQualitySteps);
    if (job.precision == "fp32") save_logits(sample, job.reference_dir);
    prefill.quality = compare_logits(load_logits(job.reference_dir), sample);
    prefill.quality["teacher_forced_steps"] = kQualitySteps;
  }
  out.results.push_back(prefill);
  if (c.quality_only) return;

  // Generate: the decode loop after the first frame (prefill excluded), stop token ignored.
  const text::IntMatrix prompt = paragraph_prompt(engine->tokenizer(), info);
  int timed_frames = 0;
  m = measure(tag + " generate", c.warmup, c.runs, [&] {
    lm::GenerationStats stats;
    lm::generate_codes(llm, prompt, fixed_frames(c.frames), &stats);
    timed_frames = stats.frames - 1;
    return stats.generate_ms;
  });
  WorkloadResult generate = result(job, "generate", "transformer", m);
  generate.frames = timed_frames;
  generate.audio_seconds = timed_frames * frame_seconds;
  generate.bound = frame_bound * timed_frames;
  generate.quality = prefill.quality;
  out.results.push_back(generate);

  // Say: the whole request (tokenize, prefill, frames, streaming codec), and its time to first audio.
  pipeline::SynthesisRequest request;
  request.text = kParagraph;
  request.generation = fixed_frames(c.frames);
  std::vector<double> first_audio;
  pipeline::SynthesisMetrics last;
  m = measure(tag + " say", c.warmup, c.runs, [&] {
    pipeline::Synthesis synthesis(engine, request);
    pipeline::AudioChunk chunk;
    while (synthesis.next(chunk)) {
    }
    last = synthesis.metrics();
    first_audio.push_back(last.time_to_first_audio_ms);
    return last.total_ms;
  });
  first_audio.erase(first_audio.begin(), first_audio.begin() + c.warmup);
  const Bound prompt_bound = Bound::compute(prefill_flops(info, last.prompt_positions), out.bounds);
  WorkloadResult say = result(job, "say", "end_to_end", m);
  say.frames = last.frames;
  say.audio_seconds = last.audio_seconds;
  say.bound = prompt_bound + (frame_bound + Bound::compute(codec_flops_per_frame, out.bounds)) * last.frames;
  out.results.push_back(say);

  WorkloadResult first = result(job, "first_audio", "end_to_end", {summarize(first_audio), m.peak_rss_bytes});
  first.bound = prompt_bound + (frame_bound + Bound::compute(codec_flops_per_frame, out.bounds)) *
                                   std::min(request.first_chunk_frames, last.frames);
  out.results.push_back(first);
}

}  // namespace fishtts::cli::bench
