// Compares a normalised store with the tensor list its config implies.
#pragma once

#include <string>
#include <vector>

#include "checkpoint/expected_tensors.h"
#include "checkpoint/tensor_store.h"

namespace fishtts::checkpoint {

struct ShapeMismatch {
  std::string name;
  std::vector<int64_t> expected;
  std::vector<int64_t> actual;
};

struct ValidationReport {
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  std::vector<ShapeMismatch> mismatched;
  bool ok() const { return missing.empty() && mismatched.empty(); }  // extras are listed, not fatal
  // "missing: a, b; wrong shape: x expected [..] got [..]" (first few of each).
  std::string describe() const;
};

ValidationReport validate_tensors(const TensorStore& store, const ExpectedSet& expected);

}  // namespace fishtts::checkpoint
