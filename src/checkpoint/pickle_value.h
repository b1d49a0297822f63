// The values the restricted unpickler can produce. Everything a torch state dict needs, nothing callable.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/dtype.h"

namespace fishtts::checkpoint {

struct PickleValue;

// A storage record named by torch's persistent id: ('storage', <dtype>Storage, key, location, numel).
struct StorageRef {
  DType dtype = DType::kFloat32;
  std::string key;  // record name under data/
  int64_t numel = 0;
};

// Result of torch._utils._rebuild_tensor_v2 (and _rebuild_parameter around it).
struct TensorRef {
  StorageRef storage;
  int64_t storage_offset = 0;  // elements
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // elements
};

enum class PickleKind {
  kNone, kBool, kInt, kString, kTuple, kList, kDict, kGlobal, kStorageType, kStorage, kTensor,
};

struct PickleValue {
  PickleKind kind = PickleKind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  std::string text;                                     // kString; kGlobal: "module.name"
  std::vector<const PickleValue*> items;                // kTuple, kList
  std::vector<std::pair<const PickleValue*, const PickleValue*>> entries;  // kDict, in insertion order
  DType storage_dtype = DType::kFloat32;                // kStorageType
  StorageRef storage;                                   // kStorage
  TensorRef tensor;                                     // kTensor
};

const char* pickle_kind_name(PickleKind kind);

}  // namespace fishtts::checkpoint
