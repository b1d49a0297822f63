#include "checkpoint/tensor_store.h"

#include "common/error.h"

namespace fishtts::checkpoint {

void TensorStore::put(Tensor tensor) {
  auto it = index_.find(tensor.name);
  if (it != index_.end()) {
    slots_[it->second] = std::move(tensor);
    return;
  }
  index_.emplace(tensor.name, slots_.size());
  slots_.push_back(std::move(tensor));
}

const Tensor* TensorStore::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &slots_[it->second];
}

const Tensor& TensorStore::get(const std::string& name) const {
  const Tensor* t = find(name);
  if (t == nullptr) throw Error(ErrorCode::kNotFound, "tensor not found: " + name);
  return *t;
}

bool TensorStore::erase(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return false;
  slots_[it->second] = Tensor{};
  index_.erase(it);
  return true;
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const Tensor* t : tensors()) out.push_back(t->name);
  return out;
}

std::vector<const Tensor*> TensorStore::tensors() const {
  std::vector<const Tensor*> out;
  out.reserve(index_.size());
  for (const Tensor& t : slots_) {
    auto it = index_.find(t.name);
    if (it != index_.end() && &slots_[it->second] == &t) out.push_back(&t);
  }
  return out;
}

}  // namespace fishtts::checkpoint
