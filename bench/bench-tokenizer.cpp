// Tokenizer throughput on ~1 MB of mixed text (Latin, punctuation, digits, CJK, emoji), with the fixture's
// 784-rank tokenizer and with a synthetic 150k-rank one (the size of the official file).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "text/tokenizer.h"

namespace {

using fishtts::text::RankTable;
using fishtts::text::Tokenizer;

const std::vector<std::string> kWords = {
    "the", "model", "reads", "text", "and", "predicts", "semantic", "tokens", "then", "residual", "codes",
    "Bonjour", "ça", "très", "Grüße", "München", "don't", "it's", "we'll", "voice", "speech", "quickly",
    "你好", "世界", "今天天气很好", "こんにちは", "音声合成", "안녕하세요", "😀", "🎉", "(excited)", "<|im_end|>"};
const std::vector<std::string> kPunct = {",", ".", "!", "?", ";", ":", "，", "。", "！", " -", "...", "\n", "\r\n"};

std::string mixed_text(std::size_t bytes) {
  std::mt19937 rng(42);
  std::string text;
  while (text.size() < bytes) {
    const unsigned r = rng() % 100;
    if (r < 70) {
      text += " " + kWords[rng() % kWords.size()];
    } else if (r < 85) {
      text += kPunct[rng() % kPunct.size()];
    } else {
      text += " " + std::to_string(rng() % 100000);
    }
  }
  return text;
}

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (std::size_t j = 0; j < 3; ++j) v = (v << 8) | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j) out += j <= n ? alphabet[(v >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

// 256 bytes, every prefix of every word (bare and with a leading space), then random short strings up to
// 150,000 ranks: realistic table size and hit pattern, not real merges.
Tokenizer synthetic_tokenizer() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
  std::unordered_set<std::string> seen(tokens.begin(), tokens.end());
  auto add = [&](const std::string& t) {
    if (seen.insert(t).second) tokens.push_back(t);
  };
  for (const std::string& w : kWords)
    for (std::size_t n = 2; n <= w.size(); ++n) {
      add(w.substr(0, n));
      add(" " + w.substr(0, n - 1));
    }
  std::mt19937 rng(7);
  while (tokens.size() < 150'000) {
    std::string t(2 + rng() % 6, ' ');
    for (char& c : t) c = static_cast<char>('a' + rng() % 26);
    add(t);
  }
  std::string file;
  for (std::size_t i = 0; i < tokens.size(); ++i) file += base64(tokens[i]) + " " + std::to_string(i) + "\n";
  return Tokenizer(RankTable::parse(file, "<synthetic>"), R"({"<|im_end|>": 0, "<|semantic:0|>": 0})", "<synthetic>");
}

void encode_benchmark(benchmark::State& state, const Tokenizer& tokenizer) {
  const std::string text = mixed_text(1 << 20);
  std::size_t ids = 0;
  for (auto _ : state) {
    std::vector<int32_t> out = tokenizer.encode(text);
    ids = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["ids"] = static_cast<double>(ids);
}

void BM_Encode1MB_Fixture784(benchmark::State& state) {
  static const Tokenizer tokenizer = Tokenizer::from_model_dir(FISHTTS_FIXTURE_DIR);
  encode_benchmark(state, tokenizer);
}
BENCHMARK(BM_Encode1MB_Fixture784)->Unit(benchmark::kMillisecond);

void BM_Encode1MB_Synthetic150k(benchmark::State& state) {
  static const Tokenizer tokenizer = synthetic_tokenizer();
  encode_benchmark(state, tokenizer);
}
BENCHMARK(BM_Encode1MB_Synthetic150k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
