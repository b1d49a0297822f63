// Writes a torch.save zip archive (the layout torch.load(weights_only=True) reads) record by record, so
// multi-GB checkpoints stream to disk: <stem>/data.pkl, <stem>/byteorder, <stem>/data/<i>, <stem>/version.
// Records are stored (method 0) and their data start on 64-byte boundaries, as torch's writer does
// (padding goes into an "FB" extra field of the local header), so readers can map them in place.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/pickle_writer.h"

namespace fishtts::checkpoint {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(std::span<const uint8_t> bytes) = 0;
};

// Called once per tensor, in order; must write exactly tensors[index].byte_size() bytes.
using RecordProducer = std::function<void(size_t index, RecordSink& sink)>;

// `archive_name` is the top folder (upstream uses the file stem: "model", "codec").
void write_torch_checkpoint(const std::string& path, const std::string& archive_name,
                            const std::vector<TensorSpec>& tensors, const RecordProducer& producer);

}  // namespace fishtts::checkpoint
