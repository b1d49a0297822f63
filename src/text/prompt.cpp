#include "text/prompt.h"

#include "common/error.h"

namespace fishtts::text {
namespace {

constexpr const char* kInterleave = "<|interleave|>";
constexpr const char* kSpeaker = "<|speaker:0|>";
constexpr const char* kImEnd = "<|im_end|>";

// Columns of the prompt before they are laid out as rows: a token id plus its codes (empty for text).
class ColumnBuilder {
 public:
  explicit ColumnBuilder(std::size_t num_codebooks) : num_codebooks_(num_codebooks) {}

  void add_text(const Tokenizer& tokenizer, const std::string& text) {
    for (int32_t id : tokenizer.encode(text)) add_column(id, nullptr, 0);
  }
  void add_frames(const IntMatrix& codes, int32_t semantic_begin) {
    for (std::size_t t = 0; t < codes.cols; ++t) add_column(semantic_begin + codes.at(0, t), &codes, t);
  }

  IntMatrix finish() const {
    IntMatrix prompt{num_codebooks_ + 1, ids_.size(), {}};
    prompt.values.assign(prompt.rows * prompt.cols, 0);
    for (std::size_t t = 0; t < ids_.size(); ++t) {
      prompt.at(0, t) = ids_[t];
      if (const IntMatrix* codes = sources_[t].codes) {
        for (std::size_t k = 0; k < num_codebooks_; ++k) prompt.at(k + 1, t) = codes->at(k, sources_[t].col);
      }
    }
    return prompt;
  }
  std::size_t size() const { return ids_.size(); }

 private:
  struct Source {
    const IntMatrix* codes;
    std::size_t col;
  };
  void add_column(int32_t id, const IntMatrix* codes, std::size_t col) {
    ids_.push_back(id);
    sources_.push_back({codes, col});
  }

  std::size_t num_codebooks_;
  std::vector<int32_t> ids_;
  std::vector<Source> sources_;
};

void check_reference(const PromptReference& ref, std::size_t index, const Tokenizer& tokenizer,
                     std::size_t num_codebooks) {
  const std::string name = "reference " + std::to_string(index);
  if (ref.codes.rows != num_codebooks)
    throw Error(ErrorCode::kInvalidArgument, name + ": codes have " + std::to_string(ref.codes.rows) +
                                                 " rows, the model has " + std::to_string(num_codebooks) + " codebooks");
  if (ref.codes.values.size() != ref.codes.rows * ref.codes.cols)
    throw Error(ErrorCode::kInvalidArgument, name + ": code matrix holds " + std::to_string(ref.codes.values.size()) +
                                                 " values, its shape [" + std::to_string(ref.codes.rows) + ", " +
                                                 std::to_string(ref.codes.cols) + "] needs " +
                                                 std::to_string(ref.codes.rows * ref.codes.cols));
  const int32_t semantic_count = tokenizer.semantic_count();
  for (std::size_t t = 0; t < ref.codes.cols; ++t) {
    if (ref.codes.at(0, t) < 0 || ref.codes.at(0, t) >= semantic_count)
      throw Error(ErrorCode::kInvalidArgument, name + ": semantic code " + std::to_string(ref.codes.at(0, t)) +
                                                   " at frame " + std::to_string(t) + " is outside 0.." +
                                                   std::to_string(semantic_count - 1));
    for (std::size_t k = 1; k < ref.codes.rows; ++k) {
      if (ref.codes.at(k, t) < 0)
        throw Error(ErrorCode::kInvalidArgument, name + ": code " + std::to_string(ref.codes.at(k, t)) +
                                                     " at codebook " + std::to_string(k) + ", frame " +
                                                     std::to_string(t) + " is negative");
    }
  }
}

}  // namespace

IntMatrix build_prompt(const Tokenizer& tokenizer, const std::string& text, std::span<const PromptReference> references,
                       const PromptOptions& options, std::size_t* reference_prefix) {
  if (options.num_codebooks == 0) throw Error(ErrorCode::kInvalidArgument, "prompt: num_codebooks must be positive");
  const int32_t semantic_begin = tokenizer.semantic_begin_id();
  for (std::size_t i = 0; i < references.size(); ++i) check_reference(references[i], i, tokenizer, options.num_codebooks);

  ColumnBuilder columns(options.num_codebooks);
  columns.add_text(tokenizer, kInterleave);
  for (const PromptReference& ref : references) {
    columns.add_text(tokenizer, kSpeaker);
    columns.add_text(tokenizer, ref.text);
    columns.add_frames(ref.codes, semantic_begin);
    columns.add_text(tokenizer, kImEnd);
  }
  if (reference_prefix) *reference_prefix = columns.size();
  columns.add_text(tokenizer, kSpeaker);
  columns.add_text(tokenizer, text);

  const std::size_t limit = options.max_seq_len > kGenerationReserve ? options.max_seq_len - kGenerationReserve : 0;
  if (columns.size() > limit)
    throw Error(ErrorCode::kOutOfRange, "prompt is too long: " + std::to_string(columns.size()) +
                                            " tokens, the limit is " + std::to_string(limit) + " (max_seq_len " +
                                            std::to_string(options.max_seq_len) + " - " +
                                            std::to_string(kGenerationReserve) + ")");
  return columns.finish();
}

std::size_t reference_columns(const Tokenizer& tokenizer, const PromptReference& reference) {
  return tokenizer.encode(kSpeaker).size() + tokenizer.encode(reference.text).size() + reference.codes.cols +
         tokenizer.encode(kImEnd).size();
}

}  // namespace fishtts::text
