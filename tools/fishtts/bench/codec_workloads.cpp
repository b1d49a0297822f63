// The codec workloads of one codec variant: decode of random codes and encode of a chirp, each of the configured
// length, with the SNR (decode) and code agreement (encode) against the fp32 codec when the job asks for it.
#include <cmath>
#include <cstdio>

#include "bench/codec_variants.h"
#include "bench/job.h"
#include "bench/measure.h"
#include "bench/quality.h"
#include "bench/workload_inputs.h"
#include "checkpoint/codec_config.h"
#include "codec/codec_compute.h"
#include "codec/codec_model.h"
#include "io/npy.h"
#include "pipeline/model_resolver.h"

namespace fishtts::cli::bench {
namespace {

WorkloadResult codec_result(const Job& job, const char* workload, const Measurement& m, int frames,
                            double frame_seconds, double flops_per_frame, const MachineBounds& bounds) {
  WorkloadResult r;
  r.workload = workload;
  r.group = "codec";
  r.precision = job.precision;
  r.threads = job.threads;
  r.stats = m.stats;
  r.peak_rss_bytes = m.peak_rss_bytes;
  r.frames = frames;
  r.audio_seconds = frames * frame_seconds;
  r.bound = Bound::compute(flops_per_frame * frames, bounds);
  return r;
}

// Fraction of codes equal to the reference's.
double code_agreement(const std::vector<int32_t>& reference, const std::vector<int32_t>& codes) {
  if (reference.size() != codes.size() || codes.empty()) return 0;
  double same = 0;
  for (std::size_t i = 0; i < codes.size(); ++i) same += reference[i] == codes[i] ? 1 : 0;
  return same / static_cast<double>(codes.size());
}

}  // namespace

void run_codec_workloads(const Job& job, JobOutput& out) {
  pipeline::EngineParams params = job.params;
  params.overrides.threads = job.threads;
  find_codec_variant(job.precision)->apply(params);
  const hw::EngineSettings settings = hw::choose_settings(hw::detect_cpu(), params.overrides);
  convert::ResolvedBundle bundle =
      pipeline::resolve_model(params, settings, [](const std::string& l) { std::fprintf(stderr, "bench: %s\n", l.c_str()); });
  out.warnings.insert(out.warnings.end(), bundle.warnings.begin(), bundle.warnings.end());
  auto codec = codec::CodecModel::load(bundle.dir, settings);
  const codec::CodecInfo& info = codec->info();
  const codec::CodecMacs macs = codec::codec_macs_per_frame(checkpoint::CodecConfig::for_checkpoint_dir(bundle.dir));
  const BenchConfig& c = job.config;
  const double frame_seconds = static_cast<double>(info.frame_length) / static_cast<double>(info.sample_rate);
  const int frames = std::max(1, static_cast<int>(std::lround(c.codec_seconds / frame_seconds)));
  const std::string tag = job.name() + " x" + std::to_string(job.threads);
  const bool reference = job.precision == reference_codec_variant();

  const text::IntMatrix codes = random_codes(info, frames);
  std::vector<float> pcm;
  Measurement m = measure(tag + " decode", c.warmup, c.runs, [&] {
    const double t0 = now_ms();
    pcm = codec->decode(codes);
    return now_ms() - t0;
  });
  WorkloadResult decode = codec_result(job, "codec_decode", m, frames, frame_seconds, 2 * macs.decode_per_frame, out.bounds);
  const std::vector<float> audio = chirp(info, frames);
  text::IntMatrix encoded;
  m = measure(tag + " encode", c.warmup, c.runs, [&] {
    const double t0 = now_ms();
    encoded = codec->encode(audio);
    return now_ms() - t0;
  });
  WorkloadResult encode = codec_result(job, "codec_encode", m, frames, frame_seconds, 2 * macs.encode_per_frame, out.bounds);

  if (job.quality) {
    const auto pcm_path = job.reference_dir / "codec_decode.npy", codes_path = job.reference_dir / "codec_encode.npy";
    if (reference) {
      std::filesystem::create_directories(job.reference_dir);
      io::write_npy(pcm_path, io::make_npy({pcm.size()}, std::span<const float>(pcm)));
      io::write_npy(codes_path, io::make_npy({encoded.rows, encoded.cols}, std::span<const int32_t>(encoded.values)));
    }
    const std::vector<float> ref_pcm = io::npy_to_float32(io::read_npy(pcm_path), pcm_path.string());
    decode.quality = compare_audio(ref_pcm, pcm);
    encode.quality = {{"code_agreement",
                       code_agreement(io::npy_to_int32(io::read_npy(codes_path), codes_path.string()), encoded.values)}};
  }
  out.results.push_back(decode);
  out.results.push_back(encode);
}

}  // namespace fishtts::cli::bench
