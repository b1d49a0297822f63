#include "checkpoint/torch_archive.h"

#include <set>

#include "checkpoint/unpickler.h"
#include "checkpoint/zip_archive.h"
#include "common/error.h"
#include "common/mapped_file.h"

namespace fishtts::checkpoint {

namespace {

// The one `<top>/data.pkl` entry; upstream's top folder is the file stem, but any single folder is accepted.
const ZipEntry& find_pickle(const ZipArchive& zip, std::string& prefix) {
  const ZipEntry* found = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const std::string suffix = "/data.pkl";
    if (e.name.size() <= suffix.size() || e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::string top = e.name.substr(0, e.name.size() - suffix.size());
    if (top.find('/') != std::string::npos) continue;
    if (found != nullptr) throw Error(ErrorCode::kBadFormat, zip.label() + ": more than one data.pkl (" + found->name + ", " + e.name + ")");
    found = &e;
    prefix = top + "/";
  }
  if (found == nullptr) throw Error(ErrorCode::kBadFormat, zip.label() + ": no <folder>/data.pkl entry; not a torch.save zip archive");
  return *found;
}

const PickleValue& state_dict_of(const PickleValue& root, const std::string& label) {
  if (root.kind != PickleKind::kDict) {
    throw Error(ErrorCode::kBadFormat, label + ": data.pkl holds a " + std::string(pickle_kind_name(root.kind)) + ", expected a state dict");
  }
  for (const auto& [key, value] : root.entries) {  // Lightning checkpoints nest it under "state_dict"
    if (key->kind == PickleKind::kString && key->text == "state_dict" && value->kind == PickleKind::kDict) return *value;
  }
  return root;
}

}  // namespace

TensorStore load_torch_bytes(std::span<const uint8_t> bytes, std::shared_ptr<const void> keep_alive,
                             const std::string& label, const LoadOptions& options) {
  ZipArchive zip(bytes, label);
  std::string prefix;
  const ZipEntry& pickle_entry = find_pickle(zip, prefix);
  zip.verify_crc(pickle_entry);
  Unpickler unpickler;
  const PickleValue& root = unpickler.load(zip.data(pickle_entry), label + " " + pickle_entry.name);
  const PickleValue& state = state_dict_of(root, label);

  TensorStore store;
  std::set<std::string> verified;
  for (const auto& [key, value] : state.entries) {
    if (key->kind != PickleKind::kString) {
      throw Error(ErrorCode::kBadFormat, label + ": state dict key is a " + std::string(pickle_kind_name(key->kind)) + ", expected str");
    }
    if (value->kind != PickleKind::kTensor) {
      throw Error(ErrorCode::kUnsupported, label + ": state dict entry " + key->text + " is a " + pickle_kind_name(value->kind) + ", not a tensor");
    }
    const TensorRef& ref = value->tensor;
    const std::string record_name = prefix + "data/" + ref.storage.key;
    const ZipEntry* record = zip.find(record_name);
    if (record == nullptr) throw Error(ErrorCode::kBadFormat, label + ": tensor " + key->text + " needs record " + record_name + ", which is missing");
    const size_t item = dtype_size(ref.storage.dtype);
    int64_t storage_bytes = 0;
    if (__builtin_mul_overflow(ref.storage.numel, static_cast<int64_t>(item), &storage_bytes) ||
        static_cast<uint64_t>(storage_bytes) != record->size) {
      throw Error(ErrorCode::kBadFormat, label + ": record " + record_name + " holds " + std::to_string(record->size) + " bytes but tensor " + key->text +
                                             "'s storage declares " + std::to_string(ref.storage.numel) + " x " + dtype_name(ref.storage.dtype));
    }
    auto data = zip.data(*record);
    if (options.verify_crc && verified.insert(record->name).second) zip.verify_crc(*record);
    Tensor t;
    t.name = key->text;
    t.dtype = ref.storage.dtype;
    t.shape = ref.shape;
    t.strides = ref.strides;
    // A view of zero elements may carry any offset: never form a pointer from it.
    t.data = data.data() + (t.numel() == 0 ? 0 : ref.storage_offset * static_cast<int64_t>(item));
    t.keep_alive = keep_alive;
    if (store.contains(t.name)) throw Error(ErrorCode::kBadFormat, label + ": key " + t.name + " appears twice");
    store.put(std::move(t));
  }
  return store;
}

TensorStore load_torch_file(const std::string& path, const LoadOptions& options) {
  auto file = MappedFile::open(path);
  return load_torch_bytes(file->bytes(), file, path, options);
}

}  // namespace fishtts::checkpoint
