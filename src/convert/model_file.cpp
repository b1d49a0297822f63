#include "convert/model_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/error.h"
#include "convert/graph_builder.h"

namespace fishtts::convert {

namespace {

namespace fs = std::filesystem;

std::string temp_path_for(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

void rename_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) {
    fs::remove(from, ec);
    throw Error(ErrorCode::kIo, "cannot rename " + from + " to " + to + ": " + ec.message());
  }
}

// Writes `chunks` of raw_data (already assigned aligned offsets) into a temp file, then renames it.
class SideFileWriter {
 public:
  explicit SideFileWriter(std::string path) : path_(std::move(path)), temp_(temp_path_for(path_)) {
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error(ErrorCode::kIo, "cannot create " + temp_ + ": " + std::strerror(errno));
  }
  ~SideFileWriter() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      fs::remove(temp_, ec);
    }
  }
  // Appends `bytes` at the next multiple of `alignment`; returns its offset.
  uint64_t append(const std::string& bytes, uint64_t alignment) {
    const uint64_t offset = (position_ + alignment - 1) / alignment * alignment;
    static const char zeros[4096] = {};
    for (uint64_t pad = offset - position_; pad > 0;) {
      const uint64_t n = std::min<uint64_t>(pad, sizeof(zeros));
      out_.write(zeros, static_cast<std::streamsize>(n));
      pad -= n;
    }
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out_) throw Error(ErrorCode::kIo, "cannot write " + temp_ + ": " + std::strerror(errno));
    position_ = offset + bytes.size();
    return offset;
  }
  void commit() {
    out_.close();
    if (!out_) throw Error(ErrorCode::kIo, "cannot finish writing " + temp_ + ": " + std::strerror(errno));
    rename_into_place(temp_, path_);
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temp_;
  std::ofstream out_;
  uint64_t position_ = 0;
  bool committed_ = false;
};

void set_external_entry(onnx::TensorProto& t, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* e = t.add_external_data();
  e->set_key(key);
  e->set_value(value);
}

}  // namespace

std::string external_data_path(const std::string& model_path) { return model_path + ".data"; }

void save_model(onnx::ModelProto& model, const std::string& path, const SaveOptions& options) {
  if (options.alignment == 0 || (options.alignment & (options.alignment - 1)) != 0) {
    throw Error(ErrorCode::kInvalidArgument, "save_model " + path + ": alignment " + std::to_string(options.alignment) +
                                                 " is not a power of two");
  }
  onnx::GraphProto* graph = model.mutable_graph();
  uint64_t total_bytes = 0;
  for (const onnx::TensorProto& t : graph->initializer()) total_bytes += t.raw_data().size();

  const std::string data_path = external_data_path(path);
  const bool external = total_bytes > options.external_data_threshold;
  if (external) {
    SideFileWriter side(data_path);
    const std::string location = fs::path(data_path).filename().string();
    for (onnx::TensorProto& t : *graph->mutable_initializer()) {
      if (t.raw_data().size() < options.min_external_tensor_bytes) continue;
      const uint64_t length = t.raw_data().size();
      const uint64_t offset = side.append(t.raw_data(), options.alignment);
      t.clear_raw_data();
      t.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
      set_external_entry(t, "location", location);
      set_external_entry(t, "offset", std::to_string(offset));
      set_external_entry(t, "length", std::to_string(length));
    }
    side.commit();
  }

  const std::string bytes = serialize_model(model);
  const std::string temp = temp_path_for(path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::kIo, "cannot create " + temp + ": " + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temp, ec);
      throw Error(ErrorCode::kIo, "cannot write " + temp + ": " + std::strerror(errno));
    }
  }
  rename_into_place(temp, path);
  if (!external) {
    std::error_code ec;
    fs::remove(data_path, ec);  // a side file from an earlier, larger save would only confuse readers
  }
}

onnx::ModelProto load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) throw Error(ErrorCode::kBadFormat, path + " is not a valid ONNX ModelProto");
  return model;
}

}  // namespace fishtts::convert
