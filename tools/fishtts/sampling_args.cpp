#include "sampling_args.h"

namespace fishtts::cli {

void SamplingArgs::add_to(CLI::App* cmd) {
  cmd->add_option("--max-new-tokens", params.max_new_tokens,
                  "Columns to generate, the final dropped one included (0 = up to the context end)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", params.sampling.temperature, "Sampling temperature, (0, 2]");
  cmd->add_option("--top-p", params.sampling.top_p, "Nucleus sampling threshold, (0, 1]");
  cmd->add_option("--repetition-penalty", params.sampling.repetition_penalty, "Repetition penalty, (0, 2]");
  cmd->add_option("--seed", params.seed, "Random seed");
  cmd->add_option("--penalty-history", history,
                  "corrected (default: the slow token's penalty uses the recent tokens) or upstream (S1's "
                  "column bug, for bit-parity with upstream at strong penalties)")
      ->check(CLI::IsMember({"upstream", "corrected"}));
  cmd->add_flag("--greedy", params.sampling.greedy, "Argmax everywhere (after the repetition penalty)");
}

lm::GenerationParams SamplingArgs::resolve() const {
  lm::GenerationParams p = params;
  p.history = lm::parse_penalty_history(history.c_str());
  p.validate();
  return p;
}

}  // namespace fishtts::cli
