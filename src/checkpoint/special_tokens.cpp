#include "checkpoint/special_tokens.h"

namespace fishtts::checkpoint {

const std::vector<std::string>& control_tokens() {
  static const std::vector<std::string> kTokens = {
      "<|begin_of_text|>", "<|end_of_text|>", "<|pad|>",        "<|im_start|>",  "<|im_end|>",
      "<|phoneme_start|>", "<|phoneme_end|>", "<|tool_call_start|>", "<|tool_call_end|>", "<|text|>",
      "<|voice|>",         "<|interleave|>",  "<|audio_start|>", "<|audio_end|>", "<|audio|>"};
  return kTokens;
}

std::string semantic_token(int64_t code) { return "<|semantic:" + std::to_string(code) + "|>"; }

}  // namespace fishtts::checkpoint
