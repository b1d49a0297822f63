// The decode loop's rules on a scripted model: budget, stop token, dropped last column, c0 mapping, the penalty
// windows in both history modes, cancellation.
#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "lm/frame_generator.h"
#include "lm/repetition_history.h"

namespace {

using namespace fishtts::lm;
using fishtts::text::IntMatrix;

constexpr int kCodebooks = 3;      // small on purpose: nothing may assume 10
constexpr int kResidual = 8;
constexpr int kSemBegin = 20;
constexpr int kSemCount = 16;
constexpr int kImEnd = 5;
constexpr int kVocab = 40;

SlowLogitSpace space(SampleSpace s) { return {s, kVocab, kSemBegin, kSemCount, kImEnd}; }

GeneratorLayout layout(SampleSpace s = SampleSpace::kFull, int max_seq_len = 64) {
  return {kCodebooks, kResidual, max_seq_len, space(s)};
}

GenerationParams greedy(int max_new_tokens, float penalty = 1.0f, PenaltyHistory h = PenaltyHistory::kUpstream) {
  GenerationParams p;
  p.sampling = {0.8f, 1e-6f, penalty};  // top_p 1e-6 keeps only the best logit: greedy, as the fixtures use
  p.max_new_tokens = max_new_tokens;
  p.history = h;
  return p;
}

IntMatrix prompt(int t) {
  IntMatrix m;
  m.rows = kCodebooks + 1;
  m.cols = static_cast<std::size_t>(t);
  m.values.assign(m.rows * m.cols, 1);
  return m;
}

// Slow logits come from a script indexed by call number (0 = prefill); fast logits make code k+1 = code k + 1.
class ScriptedSession : public LmSession {
 public:
  std::function<std::vector<float>(int call)> slow_script;
  std::vector<std::vector<int32_t>> fed_columns;
  std::vector<int32_t> fast_c0;
  int fast_frames = 0;

  SlowResult prefill(const IntMatrix&) override { return slow(); }
  SlowResult step(std::span<const int32_t> column) override {
    fed_columns.emplace_back(column.begin(), column.end());
    return slow();
  }
  std::span<const float> fast_begin(std::span<const float> h, int32_t c0) override {
    EXPECT_EQ(h.size(), hidden_.size());
    fast_c0.push_back(c0);
    ++fast_frames;
    return one_hot((c0 + 1) % kResidual);
  }
  std::span<const float> fast_next(int32_t code) override { return one_hot((code + 1) % kResidual); }

 private:
  SlowResult slow() {
    logits_ = slow_script(calls_++);
    return {logits_, hidden_};
  }
  std::span<const float> one_hot(int i) {
    fast_.assign(kResidual + 3, 0.0f);  // a head wider than the codebook: only the first kResidual count
    fast_[static_cast<std::size_t>(i)] = 5.0f;
    return fast_;
  }
  int calls_ = 0;
  std::vector<float> logits_, fast_, hidden_ = std::vector<float>(4, 0.5f);
};

std::vector<float> peak_at(int index, int size = kVocab, float height = 10.0f) {
  std::vector<float> z(static_cast<std::size_t>(size), 0.0f);
  z[static_cast<std::size_t>(index)] = height;
  return z;
}

std::vector<std::vector<int32_t>> run_all(FrameGenerator& g) {
  std::vector<std::vector<int32_t>> frames;
  std::vector<int32_t> f;
  while (g.next(f)) frames.push_back(f);
  return frames;
}

TEST(FrameGenerator, BudgetCountsColumnsAndTheLastColumnIsDropped) {
  ScriptedSession s;
  s.slow_script = [](int call) { return peak_at(kSemBegin + call); };
  FrameGenerator g(s, layout(), prompt(4), greedy(5));
  auto frames = run_all(g);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(g.columns().size(), 5u);
  EXPECT_FALSE(g.stopped_on_im_end());
  EXPECT_EQ(s.fed_columns.size(), 4u);  // the final column is never fed back
  // Frame k: c0 = k (semantic token kSemBegin + k), then c_{j+1} = c_j + 1 from the fast script.
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(frames[k], (std::vector<int32_t>{k, (k + 1) % kResidual, (k + 2) % kResidual})) << k;
    EXPECT_EQ(s.fed_columns[k][0], kSemBegin + k);
  }
}

TEST(FrameGenerator, ZeroOrOversizedBudgetMeansUpToTheContextEnd) {
  ScriptedSession s;
  s.slow_script = [](int) { return peak_at(kSemBegin); };
  FrameGenerator g(s, layout(SampleSpace::kFull, 16), prompt(10), greedy(0));
  EXPECT_EQ(g.budget(), 6);
  EXPECT_EQ(run_all(g).size(), 5u);
  FrameGenerator big(s, layout(SampleSpace::kFull, 16), prompt(10), greedy(1000));
  EXPECT_EQ(big.budget(), 6);
}

TEST(FrameGenerator, ABudgetOfOneYieldsNoFrameInsteadOfFailing) {
  ScriptedSession s;
  s.slow_script = [](int) { return peak_at(kSemBegin); };
  FrameGenerator g(s, layout(), prompt(3), greedy(1));
  EXPECT_TRUE(run_all(g).empty());
  EXPECT_EQ(g.columns().size(), 1u);
}

TEST(FrameGenerator, StopsOnImEndInTheLoopButNotOnTheFirstToken) {
  ScriptedSession s;
  // prefill -> <|im_end|> (ignored), step 1 -> semantic 3, step 2 -> <|im_end|> (stop)
  s.slow_script = [](int call) { return peak_at(call == 1 ? kSemBegin + 3 : kImEnd); };
  FrameGenerator g(s, layout(), prompt(3), greedy(100));
  auto frames = run_all(g);
  EXPECT_TRUE(g.stopped_on_im_end());
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0][0], 0);  // <|im_end|> as a frame: not semantic -> c0 = 0
  EXPECT_EQ(frames[1][0], 3);
  EXPECT_EQ(s.fast_frames, 2);  // the stopping column skips the fast pass
}

TEST(FrameGenerator, IgnoreStopRunsTheWholeBudget) {
  ScriptedSession s;
  s.slow_script = [](int) { return peak_at(kImEnd); };
  GenerationParams p = greedy(6);
  p.ignore_stop = true;
  FrameGenerator g(s, layout(), prompt(3), p);
  EXPECT_EQ(run_all(g).size(), 5u);
  EXPECT_FALSE(g.stopped_on_im_end());
  EXPECT_EQ(s.fast_frames, 6);  // <|im_end|> columns get their codes like any other
}

TEST(FrameGenerator, NonSemanticTokensBecomeFramesWithCodeZero) {
  ScriptedSession s;
  // a text token, a padding row above the semantic range (crashes upstream), then a semantic token
  s.slow_script = [](int call) { return peak_at(call == 0 ? 7 : call == 1 ? kSemBegin + kSemCount + 1 : kSemBegin + 9); };
  FrameGenerator g(s, layout(), prompt(3), greedy(4));
  auto frames = run_all(g);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(g.columns()[0][0], 7);
  EXPECT_EQ(frames[0][0], 0);
  EXPECT_EQ(frames[1][0], 0);
  EXPECT_EQ(frames[2][0], 9);
  EXPECT_EQ(s.fast_c0, (std::vector<int32_t>{0, 0, 9, 9}));  // the final (dropped) column runs too, as upstream
}

TEST(FrameGenerator, SemanticSpaceMapsIndicesToTokens) {
  ScriptedSession s;
  // semantic head: index i < kSemCount is <|semantic:i|>, index kSemCount is <|im_end|>
  s.slow_script = [](int call) { return peak_at(call == 0 ? 2 : kSemCount, kSemCount + 1); };
  FrameGenerator g(s, layout(SampleSpace::kSemantic), prompt(3), greedy(10));
  auto frames = run_all(g);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(g.columns()[0][0], kSemBegin + 2);
  EXPECT_EQ(g.columns()[1][0], kImEnd);
  EXPECT_TRUE(g.stopped_on_im_end());
}

TEST(FrameGenerator, CorrectedHistoryPenalisesTheRecentSlowTokens) {
  ScriptedSession s;
  // Token A (semantic 1) leads token B (semantic 2) by a little: with a 1.5 penalty on recent tokens, A and B
  // alternate once both are in the window... A, then B (A penalised), then A (both penalised, A still ahead).
  s.slow_script = [](int) {
    std::vector<float> z(kVocab, 0.0f);
    z[kSemBegin + 1] = 3.0f;
    z[kSemBegin + 2] = 2.5f;
    return z;
  };
  FrameGenerator g(s, layout(), prompt(3), greedy(4, 1.5f, PenaltyHistory::kCorrected));
  run_all(g);
  std::vector<int32_t> tokens;
  for (const auto& c : g.columns()) tokens.push_back(c[0] - kSemBegin);
  // prefill (no penalty): A; step 0: history empty -> A; step 1: A penalised -> B; step 2: A and B -> A
  EXPECT_EQ(tokens, (std::vector<int32_t>{1, 1, 2, 1}));
}

TEST(FrameGenerator, UpstreamHistoryPenalisesOnlyTheOldestColumn) {
  ScriptedSession s;
  s.slow_script = [](int) {
    std::vector<float> z(kVocab, 0.0f);
    z[kSemBegin + 1] = 3.0f;
    z[kSemBegin + 2] = 2.5f;
    return z;
  };
  FrameGenerator g(s, layout(), prompt(3), greedy(5, 1.5f, PenaltyHistory::kUpstream));
  run_all(g);
  std::vector<int32_t> tokens;
  for (const auto& c : g.columns()) tokens.push_back(c[0] - kSemBegin);
  // step 0: window column 0 is all zeros -> A; steps 1..: column 0 is step 0's column (token A) -> B forever
  EXPECT_EQ(tokens, (std::vector<int32_t>{1, 1, 2, 2, 2}));
}

TEST(FrameGenerator, CancelStopsBeforeTheNextModelCall) {
  ScriptedSession s;
  s.slow_script = [](int) { return peak_at(kSemBegin); };
  FrameGenerator g(s, layout(), prompt(3), greedy(10));
  std::vector<int32_t> f;
  ASSERT_TRUE(g.next(f));
  g.cancel();
  try {
    g.next(f);
    FAIL() << "no error after cancel";
  } catch (const fishtts::Error& e) {
    EXPECT_EQ(e.code(), fishtts::ErrorCode::kCancelled);
  }
  EXPECT_EQ(s.fed_columns.size(), 1u);
}

TEST(FrameGenerator, RejectsBadPromptsAndParams) {
  ScriptedSession s;
  s.slow_script = [](int) { return peak_at(kSemBegin); };
  IntMatrix wrong = prompt(3);
  wrong.rows = 2;
  EXPECT_THROW(FrameGenerator(s, layout(), wrong, greedy(4)), fishtts::Error);
  EXPECT_THROW(FrameGenerator(s, layout(SampleSpace::kFull, 8), prompt(8), greedy(4)), fishtts::Error);
  EXPECT_THROW(FrameGenerator(s, layout(), prompt(3), greedy(-1)), fishtts::Error);
}

TEST(RepetitionHistory, UpstreamWindowIsSixteenWideWithZerosAndUsesColumnZeroForTheSlowToken) {
  RepetitionHistory h(3, PenaltyHistory::kUpstream);
  EXPECT_EQ(h.slow_tokens(), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(h.codebook_codes(1), std::vector<int32_t>(16, 0));
  for (int i = 0; i < 20; ++i) h.push(std::vector<int32_t>{100 + i, i, 50 + i});
  // after 20 columns the window is columns 4..19
  EXPECT_EQ(h.slow_tokens(), (std::vector<int32_t>{104, 4, 54}));
  auto codes = h.codebook_codes(1);
  ASSERT_EQ(codes.size(), 16u);
  EXPECT_EQ(codes.front(), 54);
  EXPECT_EQ(codes.back(), 69);
}

TEST(RepetitionHistory, CorrectedWindowUsesTheTokenRowForTheSlowToken) {
  RepetitionHistory h(3, PenaltyHistory::kCorrected);
  EXPECT_EQ(h.slow_tokens(), std::vector<int32_t>(16, 0));
  h.push(std::vector<int32_t>{100, 1, 2});
  h.push(std::vector<int32_t>{101, 3, 4});
  std::vector<int32_t> tokens(16, 0), codes(16, 0);
  tokens[0] = 100, tokens[1] = 101;
  codes[0] = 2, codes[1] = 4;
  EXPECT_EQ(h.slow_tokens(), tokens);
  EXPECT_EQ(h.codebook_codes(1), codes);
}

}  // namespace
