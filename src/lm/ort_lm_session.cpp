#include "lm/ort_lm_session.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace fishtts::lm {
namespace {

template <typename T>
Ort::Value tensor(const Ort::MemoryInfo& mem, T* data, std::size_t count, std::vector<int64_t> shape) {
  return Ort::Value::CreateTensor<T>(mem, data, count, shape.data(), shape.size());
}

void run(Ort::Session& session, Ort::IoBinding& binding, const char* what) {
  try {
    session.Run(Ort::RunOptions{nullptr}, binding);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::kInternal, std::string(what) + " failed in ONNX Runtime: " + e.what());
  }
}

}  // namespace

OrtLmSession::OrtLmSession(const LlmModel& model, int capacity)
    : model_(model),
      capacity_(capacity),
      cpu_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)),
      slow_(model.slow()),
      fast_(model.fast()) {
  const LlmInfo& info = model.info();
  init_stack(slow_, info.slow, capacity);
  init_stack(fast_, info.fast, info.num_codebooks);

  logits_.resize(static_cast<std::size_t>(info.slow.head_rows));
  hidden_.resize(static_cast<std::size_t>(info.slow.dim));
  fast_logits_.resize(static_cast<std::size_t>(info.fast.head_rows));
  logits_value_ = tensor(cpu_, logits_.data(), logits_.size(), {1, info.slow.head_rows});
  hidden_value_ = tensor(cpu_, hidden_.data(), hidden_.size(), {1, info.slow.dim});
  fast_logits_value_ = tensor(cpu_, fast_logits_.data(), fast_logits_.size(), {1, info.fast.head_rows});
  slow_.binding.BindOutput("logits", logits_value_);
  slow_.binding.BindOutput("hidden", hidden_value_);
  fast_.binding.BindOutput("logits", fast_logits_value_);
}

void OrtLmSession::init_stack(Stack& stack, const StackKvShape& shape, int64_t capacity) {
  const auto count = static_cast<std::size_t>(shape.n_kv_head * capacity * shape.kv_head_dim);
  for (int64_t i = 0; i < shape.n_layer; ++i) {
    for (const char* kind : {"key", "value"}) {
      stack.buffers.emplace_back(count, 0.0f);
      stack.values.push_back(tensor(cpu_, stack.buffers.back().data(), count, {1, shape.n_kv_head, capacity, shape.kv_head_dim}));
      const std::string idx = std::to_string(i);
      // The same buffer in and out: GroupQueryAttention appends the new positions in place.
      stack.binding.BindInput(("past_" + std::string(kind) + "." + idx).c_str(), stack.values.back());
      stack.binding.BindOutput(("present_" + std::string(kind) + "." + idx).c_str(), stack.values.back());
    }
  }
}

SlowResult OrtLmSession::run_slow(std::span<const int64_t> tokens, std::span<const int64_t> codes, int64_t seq) {
  if (position_ + seq > capacity_) {
    throw Error(ErrorCode::kOutOfRange, "the request needs " + std::to_string(position_ + seq) +
                                            " positions but its KV cache holds " + std::to_string(capacity_));
  }
  tokens_.assign(tokens.begin(), tokens.end());
  codes_.assign(codes.begin(), codes.end());
  int32_t seqlens = static_cast<int32_t>(position_ + seq - 1);
  int32_t total = static_cast<int32_t>(position_ + seq);
  const int64_t c = model_.info().num_codebooks;
  Ort::Value tok = tensor(cpu_, tokens_.data(), tokens_.size(), {1, seq});
  Ort::Value cod = tensor(cpu_, codes_.data(), codes_.size(), {1, c, seq});
  Ort::Value sl = tensor(cpu_, &seqlens, 1, {1});
  Ort::Value tl = tensor(cpu_, &total, 1, {});
  slow_.binding.BindInput("tokens", tok);
  slow_.binding.BindInput("codes", cod);
  slow_.binding.BindInput("seqlens_k", sl);
  slow_.binding.BindInput("total_sequence_length", tl);
  run(model_.slow(), slow_.binding, "slow transformer");
  position_ += static_cast<int>(seq);
  return {logits_, hidden_};
}

SlowResult OrtLmSession::prefill(const text::IntMatrix& prompt) {
  position_ = 0;
  return prefill_columns(prompt, 0);
}

SlowResult OrtLmSession::prefill_columns(const text::IntMatrix& prompt, std::size_t from) {
  const auto c = static_cast<std::size_t>(model_.info().num_codebooks);
  if (prompt.rows != c + 1) {
    throw Error(ErrorCode::kInvalidArgument, "prompt has " + std::to_string(prompt.rows) + " rows, the model needs " +
                                                 std::to_string(c + 1));
  }
  const std::size_t n = prompt.cols - from;
  std::vector<int64_t> tokens(n), codes(c * n);
  for (std::size_t t = 0; t < n; ++t) tokens[t] = prompt.at(0, from + t);
  for (std::size_t r = 0; r < c; ++r) {
    for (std::size_t t = 0; t < n; ++t) codes[r * n + t] = prompt.at(r + 1, from + t);
  }
  return run_slow(tokens, codes, static_cast<int64_t>(n));
}

std::shared_ptr<const KvPrefix> OrtLmSession::save_prefix(int positions) const {
  if (positions <= 0 || positions > position_) return nullptr;
  const StackKvShape& s = model_.info().slow;
  auto prefix = std::make_shared<KvPrefix>();
  prefix->positions = positions;
  const auto d = static_cast<std::size_t>(s.kv_head_dim);
  for (const std::vector<float>& buffer : slow_.buffers) {
    std::vector<float> saved;
    saved.reserve(static_cast<std::size_t>(s.n_kv_head) * static_cast<std::size_t>(positions) * d);
    for (int64_t h = 0; h < s.n_kv_head; ++h) {  // [1, Hkv, capacity, D] -> [Hkv, positions, D]
      const float* head = buffer.data() + static_cast<std::size_t>(h * capacity_) * d;
      saved.insert(saved.end(), head, head + static_cast<std::size_t>(positions) * d);
    }
    prefix->buffers.push_back(std::move(saved));
  }
  return prefix;
}

SlowResult OrtLmSession::prefill_after(const KvPrefix& prefix, const text::IntMatrix& prompt) {
  const StackKvShape& s = model_.info().slow;
  if (prefix.positions <= 0 || static_cast<std::size_t>(prefix.positions) >= prompt.cols ||
      prefix.positions > capacity_ || prefix.buffers.size() != slow_.buffers.size()) {
    return prefill(prompt);  // nothing usable to restore: the plain prefill is always right
  }
  const auto d = static_cast<std::size_t>(s.kv_head_dim);
  const auto rows = static_cast<std::size_t>(prefix.positions) * d;
  for (std::size_t b = 0; b < slow_.buffers.size(); ++b) {
    for (int64_t h = 0; h < s.n_kv_head; ++h) {
      std::copy_n(prefix.buffers[b].data() + static_cast<std::size_t>(h) * rows, rows,
                  slow_.buffers[b].data() + static_cast<std::size_t>(h * capacity_) * d);
    }
  }
  position_ = prefix.positions;
  return prefill_columns(prompt, static_cast<std::size_t>(prefix.positions));
}

SlowResult OrtLmSession::step(std::span<const int32_t> column) {
  const auto c = static_cast<std::size_t>(model_.info().num_codebooks);
  if (column.size() != c + 1) throw Error(ErrorCode::kInternal, "column size does not match the model");
  std::vector<int64_t> token{column[0]};
  std::vector<int64_t> codes(column.begin() + 1, column.end());
  return run_slow(token, codes, 1);
}

std::span<const float> OrtLmSession::run_fast(std::span<const float> hidden, std::span<const int64_t> codes) {
  const int64_t dim = model_.info().fast.dim;
  const int64_t h = static_cast<int64_t>(hidden.size()) / dim;
  const auto seq = static_cast<int>(h + static_cast<int64_t>(codes.size()));
  if (fast_position_ + seq > model_.info().num_codebooks) {
    throw Error(ErrorCode::kInternal, "fast transformer stepped past its " +
                                          std::to_string(model_.info().num_codebooks) + " positions");
  }
  static float empty = 0.0f;  // a valid pointer for the zero-length hidden input
  float* hidden_data = h > 0 ? const_cast<float*>(hidden.data()) : &empty;
  codes_.assign(codes.begin(), codes.end());
  int32_t seqlens = fast_position_ + seq - 1;
  int32_t total = fast_position_ + seq;
  Ort::Value hid = tensor(cpu_, hidden_data, static_cast<std::size_t>(h * dim), {1, h, dim});
  Ort::Value cod = tensor(cpu_, codes_.data(), codes_.size(), {1, static_cast<int64_t>(codes_.size())});
  Ort::Value sl = tensor(cpu_, &seqlens, 1, {1});
  Ort::Value tl = tensor(cpu_, &total, 1, {});
  fast_.binding.BindInput("hidden", hid);
  fast_.binding.BindInput("codes", cod);
  fast_.binding.BindInput("seqlens_k", sl);
  fast_.binding.BindInput("total_sequence_length", tl);
  run(model_.fast(), fast_.binding, "fast transformer");
  fast_position_ += seq;
  return fast_logits_;
}

std::span<const float> OrtLmSession::fast_begin(std::span<const float> hidden, int32_t c0) {
  if (static_cast<int64_t>(hidden.size()) != model_.info().fast.dim) {
    throw Error(ErrorCode::kInternal, "fast_begin: hidden state has " + std::to_string(hidden.size()) + " values");
  }
  fast_position_ = 0;  // a new frame: the fast cache is rewritten from position 0
  std::vector<int64_t> code{c0};
  return run_fast(hidden, code);
}

std::span<const float> OrtLmSession::fast_next(int32_t code) {
  std::vector<int64_t> c{code};
  return run_fast({}, c);
}

}  // namespace fishtts::lm
