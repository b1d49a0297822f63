#include "checkpoint/normalize.h"

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

Tensor renamed(const Tensor& t, std::string name) {
  Tensor copy = t;
  copy.name = std::move(name);
  return copy;
}

// Concatenates along dim 0; same trailing shape required. Keeps the dtype (bytes are copied).
Tensor concat_rows(const std::string& name, const std::vector<const Tensor*>& parts) {
  const Tensor& first = *parts[0];
  std::vector<int64_t> shape = first.shape;
  if (shape.empty()) throw Error(ErrorCode::kBadFormat, "cannot concatenate scalar " + first.name + " into " + name);
  shape[0] = 0;
  std::vector<uint8_t> bytes;
  for (const Tensor* p : parts) {
    if (p->dtype != first.dtype || p->shape.size() != first.shape.size() ||
        !std::equal(p->shape.begin() + 1, p->shape.end(), first.shape.begin() + 1)) {
      throw Error(ErrorCode::kBadFormat, "cannot merge " + p->name + " " + p->shape_string() + " " + dtype_name(p->dtype) +
                                             " with " + first.name + " " + first.shape_string() + " " + dtype_name(first.dtype) + " into " + name);
    }
    shape[0] += p->shape[0];
    if (p->is_contiguous()) {
      auto src = p->contiguous_bytes();
      bytes.insert(bytes.end(), src.begin(), src.end());
    } else {  // strided: gather through fp32 (only reachable for hand-made files)
      throw Error(ErrorCode::kUnsupported, "cannot merge strided tensor " + p->name + " into " + name);
    }
  }
  return Tensor::owned_bytes(name, first.dtype, shape, std::move(bytes));
}

}  // namespace

TensorStore normalize_llm_keys(const TensorStore& raw) {
  const auto names = raw.names();
  const bool strip_model = !names.empty() && names.front().rfind("model.", 0) == 0;
  TensorStore out;
  for (const Tensor* t : raw.tensors()) {
    std::string name = strip_model ? replace_all(t->name, "model.", "") : t->name;
    if (name.find("audio_") != std::string::npos) continue;
    out.put(renamed(*t, std::move(name)));
  }
  // wq/wk/wv -> wqkv (upstream's load hook on every Attention module)
  for (const std::string& name : out.names()) {
    if (!ends_with(name, ".attention.wq.weight")) continue;
    const std::string prefix = name.substr(0, name.size() - std::string("wq.weight").size());
    const Tensor* q = out.find(prefix + "wq.weight");
    const Tensor* k = out.find(prefix + "wk.weight");
    const Tensor* v = out.find(prefix + "wv.weight");
    if (k == nullptr || v == nullptr) continue;  // incomplete: validation reports the missing wqkv
    Tensor merged = concat_rows(prefix + "wqkv.weight", {q, k, v});
    out.erase(prefix + "wq.weight");
    out.erase(prefix + "wk.weight");
    out.erase(prefix + "wv.weight");
    out.put(std::move(merged));
  }
  return out;
}

Tensor fold_weight_norm(const std::string& name, const Tensor& g, const Tensor& v) {
  if (v.shape.empty() || g.numel() != v.shape[0]) {
    throw Error(ErrorCode::kBadFormat, "weight norm " + name + ": g " + g.shape_string() + " does not match dim 0 of v " + v.shape_string());
  }
  for (size_t i = 1; i < g.shape.size(); ++i) {
    if (g.shape[i] != 1) throw Error(ErrorCode::kBadFormat, "weight norm " + name + ": g " + g.shape_string() + " must be [" + std::to_string(v.shape[0]) + ", 1, ...]");
  }
  const std::vector<float> gain = g.to_float();
  std::vector<float> w = v.to_float();
  const int64_t rows = v.shape[0];
  const int64_t row_size = rows == 0 ? 0 : v.numel() / rows;
  for (int64_t r = 0; r < rows; ++r) {
    float* row = w.data() + r * row_size;
    double sum = 0.0;
    for (int64_t i = 0; i < row_size; ++i) sum += static_cast<double>(row[i]) * row[i];
    const float norm = static_cast<float>(std::sqrt(sum));
    const float scale = gain[static_cast<size_t>(r)] / norm;  // no epsilon, as upstream: a zero row gives NaN
    for (int64_t i = 0; i < row_size; ++i) row[i] *= scale;
  }
  return Tensor::owned_float(name, v.shape, std::move(w));
}

TensorStore normalize_codec_keys(const TensorStore& raw) {
  bool has_generator = false;
  for (const Tensor* t : raw.tensors()) has_generator |= t->name.find("generator") != std::string::npos;
  TensorStore renamed_store;
  for (const Tensor* t : raw.tensors()) {
    if (!has_generator) {
      renamed_store.put(*t);
    } else if (t->name.find("generator.") != std::string::npos) {
      renamed_store.put(renamed(*t, replace_all(t->name, "generator.", "")));
    }
  }
  const std::string kParamG = ".parametrizations.weight.original0";
  const std::string kParamV = ".parametrizations.weight.original1";
  TensorStore out;
  for (const Tensor* t : renamed_store.tensors()) {
    const std::string& name = t->name;
    if (ends_with(name, ".causal_mask")) continue;
    std::string base;
    const Tensor* g = nullptr;
    const Tensor* v = nullptr;
    if (ends_with(name, kParamV) || ends_with(name, kParamG)) {
      base = name.substr(0, name.size() - kParamV.size());
      g = renamed_store.find(base + kParamG);
      v = renamed_store.find(base + kParamV);
    } else if (ends_with(name, ".weight_g") || ends_with(name, ".weight_v")) {
      base = name.substr(0, name.size() - std::string(".weight_g").size());
      g = renamed_store.find(base + ".weight_g");
      v = renamed_store.find(base + ".weight_v");
    } else {
      out.put(*t);
      continue;
    }
    if (g == nullptr || v == nullptr) {
      throw Error(ErrorCode::kBadFormat, "weight-normed " + base + ".weight has " + (g ? "g" : "v") + " but not " + (g ? "v" : "g") + " (key " + name + ")");
    }
    if (t == v) out.put(fold_weight_norm(base + ".weight", *g, *v));  // once per pair, at v's position
  }
  return out;
}

}  // namespace fishtts::checkpoint
