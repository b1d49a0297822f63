// Named tensors in file order, plus whatever keeps their memory alive (mappings, owned buffers).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "checkpoint/tensor.h"

namespace fishtts::checkpoint {

class TensorStore {
 public:
  // Adds or replaces (keeping the original position) a tensor under tensor.name.
  void put(Tensor tensor);
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // Throws Error(kNotFound) naming the key.
  const Tensor& get(const std::string& name) const;
  const Tensor* find(const std::string& name) const;
  // Removes a tensor if present; returns whether it was there.
  bool erase(const std::string& name);

  size_t size() const { return index_.size(); }
  // Names in insertion order.
  std::vector<std::string> names() const;
  // Tensors in insertion order.
  std::vector<const Tensor*> tensors() const;

 private:
  std::vector<Tensor> slots_;  // erased entries keep an empty name
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace fishtts::checkpoint
