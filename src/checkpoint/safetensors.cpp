#include "checkpoint/safetensors.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/mapped_file.h"

namespace fishtts::checkpoint {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;

DType parse_dtype(const std::string& s, const std::string& where) {
  static const std::map<std::string, DType> kTypes = {
      {"F32", DType::kFloat32}, {"BF16", DType::kBFloat16}, {"F16", DType::kFloat16}, {"I64", DType::kInt64},
      {"I32", DType::kInt32},   {"BOOL", DType::kBool},     {"U8", DType::kUInt8}};
  auto it = kTypes.find(s);
  if (it == kTypes.end()) throw Error(ErrorCode::kUnsupported, where + ": dtype " + s + " is not supported");
  return it->second;
}

}  // namespace

TensorStore load_safetensors_bytes(std::span<const uint8_t> bytes, std::shared_ptr<const void> keep_alive,
                                   const std::string& label) {
  if (bytes.size() < 8) throw Error(ErrorCode::kBadFormat, label + ": " + std::to_string(bytes.size()) + " bytes, too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (header_len > kMaxHeaderBytes || header_len > bytes.size() - 8) {
    throw Error(ErrorCode::kBadFormat, label + ": safetensors header length " + std::to_string(header_len) + " exceeds the file or the limit");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, label + ": safetensors header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) throw Error(ErrorCode::kBadFormat, label + ": safetensors header is not a JSON object");
  const auto data = bytes.subspan(8 + header_len);
  TensorStore store;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = label + ": tensor " + name;
    if (!info.is_object() || !info.contains("dtype") || !info["dtype"].is_string() || !info.contains("shape") ||
        !info["shape"].is_array() || !info.contains("data_offsets") || !info["data_offsets"].is_array() ||
        info["data_offsets"].size() != 2) {
      throw Error(ErrorCode::kBadFormat, where + ": needs dtype (string), shape (array) and data_offsets ([begin, end])");
    }
    Tensor t;
    t.name = name;
    t.dtype = parse_dtype(info["dtype"].get<std::string>(), where);
    int64_t numel = 1;
    for (const auto& d : info["shape"]) {
      if (!d.is_number_unsigned()) throw Error(ErrorCode::kBadFormat, where + ": shape must hold non-negative integers, got " + std::string(d.type_name()));
      int64_t dim = static_cast<int64_t>(std::min<uint64_t>(d.get<uint64_t>(), INT64_MAX));
      if (__builtin_mul_overflow(numel, dim, &numel)) throw Error(ErrorCode::kOutOfRange, where + ": shape overflows");
      t.shape.push_back(dim);
    }
    const auto& off = info["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) throw Error(ErrorCode::kBadFormat, where + ": data_offsets must be non-negative integers");
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    uint64_t expected = 0;
    if (begin > end || end > data.size() || __builtin_mul_overflow(static_cast<uint64_t>(numel), dtype_size(t.dtype), &expected) ||
        end - begin != expected) {
      throw Error(ErrorCode::kBadFormat, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + ") do not hold " +
                                             t.shape_string() + " " + dtype_name(t.dtype) + " inside the " + std::to_string(data.size()) + "-byte data section");
    }
    t.strides = contiguous_strides(t.shape);
    t.data = data.data() + begin;
    t.keep_alive = keep_alive;
    store.put(std::move(t));
  }
  return store;
}

TensorStore load_safetensors_file(const std::string& path) {
  auto file = MappedFile::open(path);
  return load_safetensors_bytes(file->bytes(), file, path);
}

TensorStore load_safetensors_index(const std::string& index_path) {
  std::ifstream in(index_path);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot open " + index_path);
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, index_path + ": not valid JSON: " + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw Error(ErrorCode::kBadFormat, index_path + ": needs an object field weight_map");
  }
  const auto dir = std::filesystem::path(index_path).parent_path();
  std::map<std::string, TensorStore> shards;
  TensorStore store;
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string()) throw Error(ErrorCode::kBadFormat, index_path + ": weight_map[" + name + "] is not a file name");
    const std::string shard = file.get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "..") {
      throw Error(ErrorCode::kBadFormat, index_path + ": weight_map[" + name + "] = " + shard + " is not a file beside the index");
    }
    auto it = shards.find(shard);
    if (it == shards.end()) it = shards.emplace(shard, load_safetensors_file((dir / shard).string())).first;
    const Tensor* t = it->second.find(name);
    if (t == nullptr) throw Error(ErrorCode::kNotFound, index_path + ": tensor " + name + " is not in shard " + shard);
    store.put(*t);
  }
  return store;
}

}  // namespace fishtts::checkpoint
