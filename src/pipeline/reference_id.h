// Reference-voice ids (spec 6.7): upstream's pattern ^[A-Za-z0-9\-_ ]+$, at most 255 characters. Only those
// characters are allowed, so an id is always one plain folder name: no '/', no '.', no NUL, nothing a path
// trick could use. "." and ".." fail the pattern already; they are named in the message for clarity.
#pragma once

#include <string_view>

namespace fishtts::pipeline {

inline constexpr std::size_t kMaxReferenceIdLength = 255;

bool is_valid_reference_id(std::string_view id);

// Throws fishtts::Error(kInvalidArgument) naming the id (escaped for printing) and the rule it breaks.
void validate_reference_id(std::string_view id);

}  // namespace fishtts::pipeline
