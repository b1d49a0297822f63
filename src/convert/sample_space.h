// Which logits the heads produce: all of them (`full`, exactly S1) or only what sampling can pick (`semantic`,
// the default): the semantic tokens then <|im_end|> for the slow head (4,097 rows instead of 155,776, and no text
// or padding token can ever be sampled), codes [0, residual codebook size) for the fast head.
#pragma once

#include <string>

namespace fishtts::convert {

enum class SampleSpace { kFull, kSemantic };

const char* sample_space_name(SampleSpace space);
SampleSpace parse_sample_space(const std::string& name);  // "full" | "semantic"; throws kInvalidArgument

}  // namespace fishtts::convert
