// Writing (and reading back) ONNX model files, with ONNX's external-data format for large models.
//
//   save_model(model, "cache/slow.onnx");                 // small: one self-contained file
//   save_model(model, "cache/slow.onnx", {.external_data_threshold = 0});  // force external data
//
// External data: when the initializers' raw bytes total more than `external_data_threshold` (protobuf cannot
// serialize a message over 2 GB), every initializer of at least `min_external_tensor_bytes` moves to ONE side
// file "<model file name>.data" next to the model, at offsets aligned to `alignment` (so a runtime can mmap
// it), and its TensorProto gets data_location = EXTERNAL and the entries location (file name relative to the
// model), offset and length. Both files are written to temporaries and renamed into place (data first), so a
// reader never sees a half-written pair; a stale side file from an earlier save is removed when the new
// model needs none. ONNX Runtime and the ONNX checker (path-based) read the result.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace fishtts::convert {

struct SaveOptions {
  uint64_t external_data_threshold = uint64_t{1} << 30;  // 1 GiB, well under protobuf's 2 GB message limit
  uint64_t min_external_tensor_bytes = 1024;             // tiny tensors (shapes, axes) stay inline
  uint64_t alignment = 4096;                             // page-aligned offsets in the side file
};

// What the bundle writers use: every initializer of a page or more in the side file, so ONNX Runtime maps it
// from the file instead of parsing it into the proto and copying it to its heap (peak RSS and load time, #18).
inline constexpr SaveOptions kBundleSaveOptions{.external_data_threshold = 0, .min_external_tensor_bytes = 4096};

// Writes `model` to `path`. With external data the model's initializers are left pointing at the side file
// (their raw_data moved out), i.e. `model` is modified. Throws Error(kIo) naming the file on write failure,
// kInvalidArgument for an alignment that is not a power of two.
void save_model(onnx::ModelProto& model, const std::string& path, const SaveOptions& options = {});

// Reads the model proto from `path` (external data stays in its side file). Throws kNotFound / kBadFormat.
onnx::ModelProto load_model(const std::string& path);

// The side-file path save_model uses for `model_path`.
std::string external_data_path(const std::string& model_path);

}  // namespace fishtts::convert
