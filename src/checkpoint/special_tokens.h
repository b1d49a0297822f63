// Upstream's special tokens (spec 3.2), in the order that gives them their ids (rank count + index).
#pragma once

#include <string>
#include <vector>

namespace fishtts::checkpoint {

const std::vector<std::string>& control_tokens();  // the 15 control tokens, <|begin_of_text|> first
std::string semantic_token(int64_t code);          // "<|semantic:N|>"

}  // namespace fishtts::checkpoint
