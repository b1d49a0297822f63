// Where a frame's time goes in the converted DualAR model: one slow decode step at a realistic context, one
// frame's fast pass (fast_begin + num_codebooks - 2 fast_next), and a prefill.
//
//   FISHTTS_BENCH_BUNDLE=/path/to/bundle bench-llm [--benchmark_repetitions=3]
// Make a bundle with `fishtts dev make-checkpoint --preset s1-mini --out CK` then
// `fishtts convert --model CK --out BUNDLE --precision int4`.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "hw/cpu_info.h"
#include "hw/machine_bounds.h"
#include "lm/generate.h"
#include "lm/llm_model.h"

namespace {

using namespace fishtts;

std::shared_ptr<const lm::LlmModel> model() {
  static std::shared_ptr<const lm::LlmModel> m = [] {
    const char* dir = std::getenv("FISHTTS_BENCH_BUNDLE");
    if (!dir) return std::shared_ptr<const lm::LlmModel>();
    return lm::LlmModel::load(dir, hw::choose_settings(hw::detect_cpu()));
  }();
  return m;
}

text::IntMatrix prompt(const lm::LlmInfo& info, int positions) {
  text::IntMatrix p;
  p.rows = static_cast<std::size_t>(info.num_codebooks + 1);
  p.cols = static_cast<std::size_t>(positions);
  p.values.assign(p.rows * p.cols, 0);
  for (int t = 0; t < positions; ++t) p.at(0, static_cast<std::size_t>(t)) = 1000 + t;  // text tokens
  return p;
}

void BM_SlowStep(benchmark::State& state) {
  auto m = model();
  if (!m) return state.SkipWithError("set FISHTTS_BENCH_BUNDLE");
  const int context = static_cast<int>(state.range(0));
  const int capacity = std::getenv("FISHTTS_BENCH_CAPACITY") ? std::atoi(std::getenv("FISHTTS_BENCH_CAPACITY")) : context + 1000;
  auto session = m->new_session(capacity);
  session->prefill(prompt(m->info(), context));
  std::vector<int32_t> column(static_cast<std::size_t>(m->info().num_codebooks + 1), 0);
  column[0] = m->info().layout.slow.semantic_begin_id + 5;
  for (auto _ : state) benchmark::DoNotOptimize(session->step(column));
  state.counters["ms"] = benchmark::Counter(state.iterations() * 1e-3, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SlowStep)->Arg(20)->Arg(200)->Arg(800)->Unit(benchmark::kMillisecond)->Iterations(100);

void BM_FastFrame(benchmark::State& state) {
  auto m = model();
  if (!m) return state.SkipWithError("set FISHTTS_BENCH_BUNDLE");
  auto session = m->new_session(16);
  std::vector<float> hidden(static_cast<std::size_t>(m->info().fast.dim), 0.1f);
  for (auto _ : state) {
    session->fast_begin(hidden, 7);
    for (int k = 2; k < m->info().num_codebooks; ++k) benchmark::DoNotOptimize(session->fast_next(k));
  }
}
BENCHMARK(BM_FastFrame)->Unit(benchmark::kMillisecond)->Iterations(50);

void BM_Prefill(benchmark::State& state) {
  auto m = model();
  if (!m) return state.SkipWithError("set FISHTTS_BENCH_BUNDLE");
  const int positions = static_cast<int>(state.range(0));
  text::IntMatrix p = prompt(m->info(), positions);
  for (auto _ : state) {
    auto session = m->new_session(positions + 1);
    benchmark::DoNotOptimize(session->prefill(p));
  }
}
BENCHMARK(BM_Prefill)->Arg(200)->Arg(240)->Unit(benchmark::kMillisecond)->Iterations(3);

// A request whose first 200 positions (a reference voice) were prefilled by an earlier request: restore their
// KV, prefill the last 40. Compare with BM_Prefill/240.
void BM_PrefillAfterPrefix(benchmark::State& state) {
  auto m = model();
  if (!m) return state.SkipWithError("set FISHTTS_BENCH_BUNDLE");
  text::IntMatrix p = prompt(m->info(), 240);
  auto first = m->new_session(241);
  first->prefill(p);
  auto prefix = first->save_prefix(200);
  for (auto _ : state) {
    auto session = m->new_session(241);
    benchmark::DoNotOptimize(session->prefill_after(*prefix, p));
  }
}
BENCHMARK(BM_PrefillAfterPrefix)->Unit(benchmark::kMillisecond)->Iterations(3);

// The bound: bytes of weights one frame touches (1 slow step + head, num_codebooks - 1 fast calls) over the
// memory bandwidth measured here.
void BM_FrameBound(benchmark::State& state) {
  auto m = model();
  if (!m) return state.SkipWithError("set FISHTTS_BENCH_BUNDLE");
  const lm::LlmInfo& info = m->info();
  const double bytes = info.weight_bytes_per_frame();
  double gbps = 0;
  for (auto _ : state) gbps = hw::measure_read_bandwidth_gbps(hw::choose_settings(hw::detect_cpu()).intra_op_threads);
  state.counters["weight_MB_per_frame"] = bytes / 1e6;
  state.counters["read_GBps"] = gbps;
  state.counters["bound_ms_per_frame"] = bytes / (gbps * 1e9) * 1e3;
}
BENCHMARK(BM_FrameBound)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
