// torch.save zip archives (`<stem>/data.pkl` + `<stem>/data/<key>` records): a state dict read through the
// restricted unpickler, its tensors viewing the memory-mapped file.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "checkpoint/load_options.h"
#include "checkpoint/tensor_store.h"

namespace fishtts::checkpoint {

// Reads a .pth file. Throws Error naming the file and the record/key at fault.
TensorStore load_torch_file(const std::string& path, const LoadOptions& options = {});

// Same, from bytes already in memory; `keep_alive` owns them (may be null if the caller keeps them alive).
TensorStore load_torch_bytes(std::span<const uint8_t> bytes, std::shared_ptr<const void> keep_alive,
                             const std::string& label, const LoadOptions& options = {});

}  // namespace fishtts::checkpoint
