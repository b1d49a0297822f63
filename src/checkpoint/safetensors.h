// safetensors files (8-byte header length, JSON header, raw little-endian data), single or sharded through
// a `*.safetensors.index.json` weight map. Tensors view the memory-mapped files.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "checkpoint/tensor_store.h"

namespace fishtts::checkpoint {

TensorStore load_safetensors_file(const std::string& path);
TensorStore load_safetensors_bytes(std::span<const uint8_t> bytes, std::shared_ptr<const void> keep_alive,
                                   const std::string& label);
// `index_path` is a JSON file with {"weight_map": {tensor: shard file name}}; shards sit beside it.
TensorStore load_safetensors_index(const std::string& index_path);

}  // namespace fishtts::checkpoint
