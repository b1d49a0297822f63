#include "checkpoint/validate.h"

#include <set>

namespace fishtts::checkpoint {

ValidationReport validate_tensors(const TensorStore& store, const ExpectedSet& expected) {
  ValidationReport report;
  std::set<std::string> known;
  for (const ExpectedTensor& e : expected.params) {
    known.insert(e.name);
    const Tensor* t = store.find(e.name);
    if (t == nullptr) {
      report.missing.push_back(e.name);
    } else if (t->shape != e.shape) {
      report.mismatched.push_back({e.name, e.shape, t->shape});
    }
  }
  for (const ExpectedTensor& e : expected.optional_buffers) {
    known.insert(e.name);
    const Tensor* t = store.find(e.name);
    if (t != nullptr && t->shape != e.shape) report.mismatched.push_back({e.name, e.shape, t->shape});
  }
  for (const std::string& name : store.names()) {
    if (known.count(name) == 0) report.extra.push_back(name);
  }
  return report;
}

std::string ValidationReport::describe() const {
  constexpr size_t kShown = 5;
  std::string s;
  auto list = [&](const char* title, const std::vector<std::string>& names) {
    if (names.empty()) return;
    if (!s.empty()) s += "; ";
    s += std::string(title) + " (" + std::to_string(names.size()) + "): ";
    for (size_t i = 0; i < names.size() && i < kShown; ++i) s += (i ? ", " : "") + names[i];
    if (names.size() > kShown) s += ", ...";
  };
  list("missing", missing);
  if (!mismatched.empty()) {
    if (!s.empty()) s += "; ";
    s += "wrong shape (" + std::to_string(mismatched.size()) + "): ";
    for (size_t i = 0; i < mismatched.size() && i < kShown; ++i) {
      s += (i ? ", " : "") + mismatched[i].name + " expected " + shape_to_string(mismatched[i].expected) + " got " +
           shape_to_string(mismatched[i].actual);
    }
    if (mismatched.size() > kShown) s += ", ...";
  }
  list("extra", extra);
  return s.empty() ? "all tensors match" : s;
}

}  // namespace fishtts::checkpoint
