// Text splitter throughput on 1 MB: the project's long essay repeated (prose with dialogue, numbers,
// abbreviations, CJK), CJK without any punctuation (every chunk a hard cut) and one 1 MB word.
// Measured (load ~9 on 2 cores, CPU time): essay 21-24 ms at 100/200/300, CJK 7.5-8 ms, one word 16-18 ms.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "text/text_splitter.h"

namespace {

constexpr std::size_t kBytes = 1'000'000;

std::string repeated_to(const std::string& piece, std::size_t bytes) {
  std::string text;
  while (text.size() < bytes) text += piece;
  return text;
}

std::string essay() {
  const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() / "tests/data/long-text.txt";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return repeated_to(ss.str() + "\n\n", kBytes);
}

void split(benchmark::State& state, const std::string& text) {
  fishtts::text::SplitOptions options;
  options.chunk_length = static_cast<std::size_t>(state.range(0));
  std::size_t chunks = 0;
  for (auto _ : state) chunks = fishtts::text::split_text(text, options).size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["chunks"] = static_cast<double>(chunks);
}

void BM_SplitEssay(benchmark::State& state) {
  static const std::string text = essay();
  split(state, text);
}

void BM_SplitCjkUnpunctuated(benchmark::State& state) {
  static const std::string text = repeated_to("这座灯塔建于一八九三年至今仍在使用每天晚上灯光都会照亮回家的渔船", kBytes);
  split(state, text);
}

void BM_SplitOneHugeWord(benchmark::State& state) {
  static const std::string text(kBytes, 'a');
  split(state, text);
}

}  // namespace

BENCHMARK(BM_SplitEssay)->Arg(100)->Arg(200)->Arg(300)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitCjkUnpunctuated)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SplitOneHugeWord)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
