#include "convert/sample_space.h"

#include "common/error.h"

namespace fishtts::convert {

const char* sample_space_name(SampleSpace space) { return space == SampleSpace::kFull ? "full" : "semantic"; }

SampleSpace parse_sample_space(const std::string& name) {
  if (name == "full") return SampleSpace::kFull;
  if (name == "semantic") return SampleSpace::kSemantic;
  throw Error(ErrorCode::kInvalidArgument, "unknown sample space '" + name + "' (expected full or semantic)");
}

}  // namespace fishtts::convert
