// Emits the protocol-2 pickle torch.save writes for a flat state dict of tensors (an OrderedDict of
// _rebuild_tensor_v2 calls on persistent storages "0", "1", ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/dtype.h"

namespace fishtts::checkpoint {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  int64_t numel() const;
  uint64_t byte_size() const { return static_cast<uint64_t>(numel()) * dtype_size(dtype); }
};

// Tensor i is stored contiguously in storage record key std::to_string(i).
std::vector<uint8_t> state_dict_pickle(const std::vector<TensorSpec>& tensors);

}  // namespace fishtts::checkpoint
