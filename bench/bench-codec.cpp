// Codec speed on an S1-mini-sized codec (random weights, real shapes): decode of 10 s of codes (215 frames) and
// encode of 10 s of audio, whole (chunked internally) and streaming, with 2 intra-op threads. Reports seconds of
// compute per second of audio (rtf) and the GFLOP/s that implies (spec 9.3: decode ~146, encode ~78 GFLOP per
// second of audio).
//
//   bench-codec [--benchmark_filter=Decode]   FISHTTS_BENCH_CHECKPOINT=/work/s1mini (default): a checkpoint folder
//   made by `fishtts dev make-checkpoint --preset s1-mini --seed 1 --out /work/s1mini`; the converted codec is
//   cached in FISHTTS_BENCH_CODEC_BUNDLE (default /tmp/fishtts-bench-codec, "-<variant>-<options hash>" appended).
//   Decode runs report snr_db against the fp32 decode with standard-op Snake of the same codes;
//   every run reports of_fp32_peak = GFLOP/s / hw::measure_fma_peak_gflops(2).
//   FISHTTS_BENCH_PROFILE=1 also writes ORT profiles of one 32-frame decode (fp32, int8) and encode chunk.
//
// Measured 2026-11-25, ORT 1.29, 2 vCPU Zen 4, on a machine shared with 3 other engineers' builds (load average
// 1.5 for the first line, 8-12 for the rest, so wall times there are 4-8x inflated; ratios come from interleaved
// runs under the same load):
//   naive export (1-D Conv, ConvTranspose), load 1.5: decode 1.15 s per second of audio (chunks of 8 frames),
//     1.35 (chunks of 32); ~127 GFLOP/s of the 146 GFLOP per audio second of spec 9.3.
//   ORT profile of one 32-frame decode chunk, [1,C,1,L] 2-D convs (NCHWc) + ConvTranspose, load ~2.5: 1.36 s of
//     kernel time for 1.49 s of audio = 0.92 s/s; Conv 47%, Sin 16%, ConvTranspose 14%, NCHWc reorders 8%.
//   default (2-D convs + polyphase transposed convs) vs naive, kernel time of the same 32-frame decode chunk,
//     interleaved A/B/A/B: 4.12 / 4.08 s vs 5.12 / 5.41 s -> 1.26-1.33x faster. Encode: no clear difference
//     (2.49 / 3.22 vs 2.86 / 2.26 s; it has no transposed convs).
//   streaming, CPU time of the calling thread per 10 s decode (load 11): chunk 1 20.6 s, chunk 4 12.3 s,
//     chunk 32 10.2 s, i.e. 1-frame calls cost 2x per frame, 4-frame calls +20%.
//   int8 convs (DynamicQuantizeLinear + ConvInteger, per-channel int8 weights): ConvInteger alone took 3.3x the
//     fp32 Conv time in the same profile, and 17 dB SNR on the tiny fixture -> dropped.
// Static int8 (QDQ -> QLinearConv, --codec-precision int8), Sapphire Rapids VM (AVX-512 VNNI, AMX), 2 threads:
//   chunk 16, 3 interleaved repetitions, load 2 -> 9 during the run: fp32 decode 2.58 / 2.59 / 2.94 s/s,
//     int8 1.72 / 2.03 / 2.15 s/s -> 1.3-1.5x; encode (fp32 in both) 2.18-2.35 s/s. Measured FMA peak under
//     that load 139 GFLOP/s; fp32 decode reached 0.36-0.41 of it, int8 0.49-0.61 (fp32-equivalent GFLOP/s).
//   ORT profile of one 32-frame decode chunk, load ~2: fp32 3.04 s of kernel time (Conv 50%, Sin 15%, Mul 9%,
//     NCHWc reorders 11%); int8 2.29 s: QLinearConv 0.35 s vs fp32 Conv 1.52 s (4.3x), but Sin 19%, Mul 17%,
//     DequantizeLinear 12%, Add 9%, Transpose 7% (NHWC layout around QLinearConv): Snake and Q/DQ are now the cost.
//   SNR against fp32 (28 decoder convs in int8, first and last fp32): tiny fixture 16.0 dB, S1-mini 6.7 dB; only
//     the last stage (model.4) in int8: 27.8 / 15.5 dB, at 1.15x. Random weights amplify any perturbation: int8
//     weights alone (fp32 activations) 22.6 dB on the tiny fixture; one first-stage conv alone 20.7 dB. Calibration
//     range: percentile 99.99 16.0 dB, min/max 15.6, 99.9 13.6. Per-channel activation scales (folded into the
//     weights so QLinearConv still sees per-tensor ones) were worse: 11.6 dB -> removed.
// Fused Snake (com.fishtts Snake custom op, AVX-512 build of the kernel) vs Snake as five standard ONNX nodes,
// same machine, one run, interleaved, load average 5-6 (other engineers' builds), rtf = s of compute per s of audio:
//   fp32 chunk 32: fused 1.46 / 1.58 / 1.44, standard 1.94 / 1.87 / 1.92 -> 1.21-1.35x (medians 1.32x);
//   fp32 chunk 16: fused 1.54 / 1.57 / 1.61, standard 2.10 / 1.93 / 2.00 -> 1.28x (medians). SNR of the fused
//   decode against the standard one 92.5 dB (random S1-mini weights; 107.0 dB vs upstream on the tiny fixture).
//   int8 chunk 16: fused 0.90 / 1.14, standard 1.52 / 1.56 -> 1.5x; SNR vs fp32 unchanged (6.7 dB): int8 stays off.
//   ORT profile of one 32-frame decode chunk: fp32 3.78 s of kernel time with standard Snake (its nodes 32%: Sin
//   16%, Mul 9%, Add) -> 2.74 s fused (Snake 6.5%; Conv 63%, NCHWc reorders 13.5%); int8 2.32 s (Snake nodes 41%)
//   -> 1.53 s (Snake 11%, QLinearConv 39%).
//   BM_SnakeKernel, one thread, same run: baseline (SSE2) 0.53, AVX2+FMA 1.19, AVX-512 1.76 G elements/s (ORT's Sin
//   alone ran ~0.23 G/s), so the AVX-512 build is kept and chosen where the CPU has it.
// bf16 convs (com.fishtts Conv1dBf16: oneDNN 2.6 AMX kernels, decoder conv stack channels-last), same Sapphire
// Rapids VM, 2 threads, frames pushed 16 at a time (BM_Decode now pushes chunk by chunk, as a generator does;
// before it pushed all 215 frames at once, which the streaming decoder ran as ONE graph call), load 1-1.5:
//   fp32 0.600-0.616 s/s; bf16x3 (three-term split, ~16 bits) 0.400-0.405 s/s (1.5x), SNR 66.5 dB vs fp32;
//   plain bf16 0.29 s/s but 14.4 dB (29.2 dB on the tiny fixture). 4-frame pushes: fp32 0.77, bf16x3 0.67-0.68.
//   Steps that got there, bf16x3 at 16-frame pushes: first version (oneDNN reorder in, Concat for the causal
//   state, tiles per thread) 0.61 -> state read by the op instead of Concat, 64-byte aligned buffers 0.45 ->
//   one tile length per op (one kernel: bit-exact streaming, the primitive and weights made with the session,
//   not in the first call) 0.40-0.445 -> tiles of 2 frames instead of ~512 KB of input 0.38-0.41 (4-frame
//   pushes 0.67 -> 0.62; codec_layers.cpp kBf16TileFrames has the sweep). AMX throughput depends on the data: these shapes ran 1.9-2.4 TFLOP/s per core
//   on zero-filled buffers but ~1.0 on real values, so measure with real data.
//   ORT profile of a 200-frame decode in 16-frame calls (bf16x3, before the tile change): Conv1dBf16 78%,
//   MatMul 10% (post_module, ConvNeXt), Snake 6%, Add 2%.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "codec/chunk_state.h"
#include "codec/codec_model.h"
#include "codec/streaming_decoder.h"
#include "convert/bundle.h"
#include "convert/codec_bundle.h"
#include "hw/machine_bounds.h"
#include "ort/env.h"
#include "ort/session_options.h"
#include "ort/snake_kernel.h"
#include "hw/cpu_info.h"

namespace {

namespace fs = std::filesystem;
using namespace fishtts;

constexpr int kFrames = 215;                    // 10 s of codes
constexpr double kDecodeGflopPerSecond = 146;   // spec 9.3
constexpr double kEncodeGflopPerSecond = 78;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Graph variants compared in one run: the shipped fp32 default, the naive export (1-D convs, ONNX ConvTranspose),
// and the int8 decode (static QDQ convs; FISHTTS_BENCH_INT8_KEEP="a,b" keeps convs whose name contains a or b in
// fp32, FISHTTS_BENCH_INT8_PERCENTILE sets the calibration percentile, FISHTTS_BENCH_INT8_EDGES=0 quantizes the
// first and last decoder convs too), and the fp32 / int8 decodes with Snake as five standard ONNX nodes instead of
// the fused com.fishtts op.
enum Variant { kDefault = 0, kNaive = 1, kInt8 = 2, kStdSnake = 3, kInt8StdSnake = 4, kBf16 = 5, kBf16x3 = 6 };

convert::CodecConvertOptions variant_options(Variant variant) {
  convert::CodecConvertOptions options;
  options.check = false;
  if (variant == kNaive) {
    options.graph.conv_rank = 3;
    options.graph.polyphase_transpose = false;
  }
  if (variant == kStdSnake || variant == kInt8StdSnake) options.graph.fused_snake = false;
  if (variant == kBf16) options.precision = convert::CodecPrecision::kBf16;
  if (variant == kBf16x3) options.precision = convert::CodecPrecision::kBf16x3;
  if (variant == kInt8 || variant == kInt8StdSnake) {
    options.precision = convert::CodecPrecision::kInt8;
    std::string keep = env_or("FISHTTS_BENCH_INT8_KEEP", "");
    for (size_t start = 0; start < keep.size();) {
      const size_t end = std::min(keep.find(',', start), keep.size());
      if (end > start) options.int8.keep_fp32.push_back(keep.substr(start, end - start));
      start = end + 1;
    }
    options.int8.calibration.percentile = std::stod(env_or("FISHTTS_BENCH_INT8_PERCENTILE", "99.99"));
    options.int8.edges_fp32 = env_or("FISHTTS_BENCH_INT8_EDGES", "1") != "0";
  }
  return options;
}

// The converted bundle of a variant, converted once and kept between runs (the folder name carries a hash of
// the variant's options).
std::string bundle_dir(Variant variant = kDefault) {
  static std::map<Variant, std::string> dirs;
  std::string& dir = dirs[variant];
  if (dir.empty()) {
    const convert::CodecConvertOptions options = variant_options(variant);
    const char* suffix[] = {"-", "-naive-", "-int8-", "-std-snake-", "-int8-std-snake-", "-bf16-", "-bf16x3-"};
    dir = env_or("FISHTTS_BENCH_CODEC_BUNDLE", "/tmp/fishtts-bench-codec") + std::string(suffix[variant]);
    const std::string key = options.to_json().dump() + std::to_string(convert::kCodecConverterVersion);
    dir += convert::sha256_hex(key).substr(0, 8);
    if (!fs::exists(fs::path(dir) / "codec.json")) {
      convert::convert_codec(env_or("FISHTTS_BENCH_CHECKPOINT", "/work/s1mini"), dir, options);
    }
  }
  return dir;
}

std::shared_ptr<const codec::CodecModel> model(int encode_chunk, Variant variant = kDefault) {
  static std::map<std::pair<int, Variant>, std::shared_ptr<const codec::CodecModel>> models;
  auto& m = models[{encode_chunk, variant}];
  if (!m) {
    hw::EngineSettings settings;
    settings.intra_op_threads = 2;
    codec::CodecRunOptions options;
    options.encode_chunk_frames = encode_chunk;
    m = codec::CodecModel::load(bundle_dir(variant), settings, options);
  }
  return m;
}

text::IntMatrix random_codes(const codec::CodecInfo& info) {
  std::mt19937 rng(7);
  text::IntMatrix codes;
  codes.rows = info.num_codebooks();
  codes.cols = kFrames;
  for (size_t r = 0; r < codes.rows; ++r) {
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(info.codebook_sizes[r] - 1));
    for (int c = 0; c < kFrames; ++c) codes.values.push_back(pick(rng));
  }
  return codes;
}

std::vector<float> test_audio(const codec::CodecInfo& info) {
  // 10 s chirp 80 Hz -> 8 kHz plus a little noise, at half scale.
  const double rate = static_cast<double>(info.sample_rate);
  std::vector<float> pcm(static_cast<size_t>(kFrames * info.frame_length));
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  const double duration = static_cast<double>(pcm.size()) / rate;
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double phase = 2 * M_PI * (80 * t + (8000 - 80) * t * t / (2 * duration));
    pcm[i] = 0.5f * static_cast<float>(std::sin(phase)) + noise(rng);
  }
  return pcm;
}

void report(benchmark::State& state, double seconds_per_iteration_total, int64_t iterations, double audio_s,
            double gflop_per_audio_s) {
  const double per = seconds_per_iteration_total / static_cast<double>(iterations);
  state.counters["rtf"] = per / audio_s;
  state.counters["GFLOP/s"] = gflop_per_audio_s * audio_s / per;
  // The fp32 FMA peak of the 2 threads, measured once (hw/machine_bounds.h); int8 can exceed 1.
  static const double peak = hw::measure_fma_peak_gflops(2);
  state.counters["of_fp32_peak"] = state.counters["GFLOP/s"] / peak;
}

// SNR in dB of `pcm` against the fp32 decode with standard-op Snake (ORT's own Sin) of the same codes.
double snr_vs_fp32(const text::IntMatrix& codes, const std::vector<float>& pcm) {
  static const std::vector<float> reference = model(64, kStdSnake)->decode(codes);
  double signal = 0, noise = 0;
  for (size_t i = 0; i < std::min(reference.size(), pcm.size()); ++i) {
    signal += double(reference[i]) * reference[i];
    noise += (double(reference[i]) - pcm[i]) * (double(reference[i]) - pcm[i]);
  }
  return 10.0 * std::log10(signal / std::max(noise, 1e-30));
}

// Whole-utterance decode through the streaming decoder, pushed `chunk` frames at a time as a generator would
// (one graph call per push; decode() is the same with CodecRunOptions::decode_chunk_frames).
void BM_Decode(benchmark::State& state) {
  auto m = model(64, static_cast<Variant>(state.range(1)));
  const text::IntMatrix codes = random_codes(m->info());
  const size_t chunk = static_cast<size_t>(state.range(0));
  double total = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto stream = m->new_stream(static_cast<int>(chunk));
    std::vector<float> pcm;
    for (size_t first = 0; first < codes.cols; first += chunk) {
      const std::vector<float> part = stream->push(codes.columns(first, std::min(chunk, codes.cols - first)));
      pcm.insert(pcm.end(), part.begin(), part.end());
    }
    std::vector<float> tail = stream->finish();
    pcm.insert(pcm.end(), tail.begin(), tail.end());
    benchmark::DoNotOptimize(pcm.data());
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (state.range(1) != kStdSnake) state.counters["snr_db"] = snr_vs_fp32(codes, pcm);
  }
  report(state, total, state.iterations(), kFrames * 2048.0 / 44100.0, kDecodeGflopPerSecond);
}
// The machine is shared: compare configurations by the fastest repetition (--benchmark_repetitions=N, "_min").
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
// variant: 0 fp32 (shipped layout), 1 naive fp32 export, 2 int8 convs, 3 fp32 with standard-op Snake, 4 int8 with
// standard-op Snake, 5 bf16 convs (oneDNN, plain), 6 bf16x3 convs (three-term split). --benchmark_enable_random_interleaving with --benchmark_repetitions compares them under the
// same load.
BENCHMARK(BM_Decode)->ArgNames({"chunk_frames", "variant"})
    ->Args({1, 0})->Args({4, 0})->Args({8, 0})->Args({16, 0})->Args({32, 0})->Args({64, 0})->Args({kFrames, 0})
    ->Args({8, 1})->Args({32, 1})->Args({4, 2})->Args({16, 2})->Args({32, 2})
    ->Args({8, 3})->Args({16, 3})->Args({32, 3})->Args({16, 4})->Args({32, 4})
    ->Args({4, 5})->Args({16, 5})->Args({32, 5})->Args({4, 6})->Args({16, 6})->Args({32, 6})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime()->ComputeStatistics("min", min_of);

void BM_Encode(benchmark::State& state) {
  auto m = model(static_cast<int>(state.range(0)), static_cast<Variant>(state.range(1)));
  const std::vector<float> pcm = test_audio(m->info());
  double total = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    text::IntMatrix codes = m->encode(pcm);
    benchmark::DoNotOptimize(codes.values.data());
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  report(state, total, state.iterations(), kFrames * 2048.0 / 44100.0, kEncodeGflopPerSecond);
}
BENCHMARK(BM_Encode)->ArgNames({"chunk_frames", "variant"})->Args({16, 0})->Args({64, 0})->Args({kFrames, 0})->Args({64, 1})
    ->Args({64, 3})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime()->ComputeStatistics("min", min_of);

// The Snake row kernel alone, per ISA build (0 baseline, 1 AVX2, 2 AVX-512; skipped when the CPU lacks it), on one
// thread over 96 channels x 8192 steps (the last decoder stage's shape for 4 frames): elements per second.
void BM_SnakeKernel(benchmark::State& state) {
  const hw::IsaFeatures isa = hw::detect_cpu().isa;
  const ort::SnakeRowFn builds[] = {ort::snake_detail::snake_row_baseline, ort::snake_detail::snake_row_avx2,
                                    ort::snake_detail::snake_row_avx512};
  const bool runs[] = {true, isa.avx2 && isa.fma, isa.avx512f && isa.avx512bw};
  if (!runs[state.range(0)]) {
    state.SkipWithError("this CPU lacks the ISA");
    return;
  }
  constexpr size_t kChannels = 96, kSteps = 8192;
  std::vector<float> x(kChannels * kSteps), y(x.size());
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (float& v : x) v = normal(rng);
  for (auto _ : state) {
    for (size_t c = 0; c < kChannels; ++c) {
      const float alpha = 0.5f + 0.01f * static_cast<float>(c);
      builds[state.range(0)](x.data() + c * kSteps, y.data() + c * kSteps, kSteps, alpha, 1.0f / (alpha + 1e-9f));
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(x.size()));
}
BENCHMARK(BM_SnakeKernel)->ArgName("isa")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// FISHTTS_BENCH_PROFILE=1: one 32-frame decode chunk (fp32 and int8) and one 32-frame encode chunk under ONNX
// Runtime's profiler (JSON files named codec_profile_*.json in the working directory), for the per-op-type breakdown.
void profile_once() {
  if (std::getenv("FISHTTS_BENCH_PROFILE") == nullptr) return;
  auto m = model(64);
  hw::EngineSettings settings;
  settings.intra_op_threads = 2;
  struct Run {
    Variant variant;
    bool decode;
    const char* prefix;
  };
  for (const Run& r : {Run{kDefault, true, "codec_profile_decode"}, Run{kStdSnake, true, "codec_profile_decode_std_snake"},
                       Run{kInt8, true, "codec_profile_decode_int8"},
                       Run{kInt8StdSnake, true, "codec_profile_decode_int8_std_snake"},
                       Run{kDefault, false, "codec_profile_encode"}}) {
    const Variant variant = r.variant;
    const bool decode = r.decode;
    Ort::SessionOptions options = ort::make_session_options(settings);
    options.EnableProfiling(r.prefix);
    const codec::ChunkGraphInfo& info = decode ? m->info().decode : m->info().encode;
    Ort::Session session(ort::env(), (fs::path(bundle_dir(variant)) / info.file).c_str(), options);
    codec::ChunkState state(info);
    Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    if (decode) {
      text::IntMatrix codes = random_codes(m->info());
      std::vector<int64_t> values;
      for (size_t r = 0; r < codes.rows; ++r) {
        for (size_t c = 0; c < 32; ++c) values.push_back(codes.at(r, c));
      }
      const std::vector<int64_t> shape = {static_cast<int64_t>(codes.rows), 32};
      Ort::Value in = Ort::Value::CreateTensor<int64_t>(cpu, values.data(), values.size(), shape.data(), 2);
      state.run(session, "codes", in, 0, {"audio"});
    } else {
      std::vector<float> pcm = test_audio(m->info());
      const std::vector<int64_t> shape = {1, 1, 32 * m->info().frame_length};
      Ort::Value in = Ort::Value::CreateTensor<float>(cpu, pcm.data(), static_cast<size_t>(shape[2]), shape.data(), 3);
      state.run(session, "audio", in, 0, {"codes"});
    }
    Ort::AllocatorWithDefaultOptions allocator;
    std::printf("profile: %s\n", session.EndProfilingAllocated(allocator).get());
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  profile_once();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
