#include "checkpoint/make_checkpoint.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "checkpoint/expected_tensors.h"
#include "checkpoint/tokenizer_writer.h"
#include "checkpoint/torch_writer.h"
#include "common/error.h"

namespace fishtts::checkpoint {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Approximately N(0, 1): the sum of four 16-bit uniforms, centred and scaled (variance 1/3 -> 1).
float approx_normal(uint64_t& state) {
  const uint64_t r = splitmix64(state);
  const float sum = static_cast<float>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
  return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

enum class Init { kNormal, kOnes, kZeros, kLayerScale, kRope, kCausalMask };

constexpr float kNormalStd = 0.02f;
constexpr float kNormGain = 1.0f;  // every norm weight, the final ones included

Init init_for(const std::string& name) {
  if (ends_with(name, ".freqs_cis")) return Init::kRope;
  if (ends_with(name, ".causal_mask")) return Init::kCausalMask;
  if (ends_with(name, ".bias")) return Init::kZeros;
  if (ends_with(name, "norm.weight") || ends_with(name, ".alpha") || ends_with(name, ".original0") || ends_with(name, ".weight_g")) {
    return Init::kOnes;
  }
  if (ends_with(name, "gamma")) return Init::kLayerScale;
  return Init::kNormal;
}

void put_value(DType dtype, float v, uint8_t* out) {
  if (dtype == DType::kBFloat16) {
    uint16_t b = float_to_bf16(v);
    std::memcpy(out, &b, 2);
  } else if (dtype == DType::kFloat32) {
    std::memcpy(out, &v, 4);
  } else if (dtype == DType::kBool) {
    *out = v != 0.0f;
  } else {
    throw Error(ErrorCode::kInternal, std::string("random init of dtype ") + dtype_name(dtype));
  }
}

// Streams one tensor's values in chunks, so no tensor of the big preset needs to be whole in memory.
// `normal_std` replaces kNormalStd for kNormal tensors (the scaled heads); the random stream is the same.
void produce(const TensorSpec& spec, uint64_t seed, size_t index, double rope_base, RecordSink& sink,
             float normal_std = kNormalStd) {
  const Init init = init_for(spec.name);
  const size_t item = dtype_size(spec.dtype);
  const int64_t n = spec.numel();
  uint64_t state = seed * 0x100000001b3ull ^ (static_cast<uint64_t>(index) + 1) * 0x9e3779b97f4a7c15ull;
  // RoPE tables [T, head_dim/2, 2] and masks [T, T] are functions of the index.
  const int64_t inner = spec.shape.size() == 3 ? spec.shape[1] : 0;
  const int64_t cols = spec.shape.size() == 2 ? spec.shape[1] : 0;
  constexpr int64_t kChunk = 1 << 20;
  std::vector<uint8_t> buffer(static_cast<size_t>(std::min<int64_t>(n, kChunk)) * item);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min<int64_t>(kChunk, n - start);
    for (int64_t j = 0; j < count; ++j) {
      const int64_t i = start + j;
      float v = 0.0f;
      switch (init) {
        case Init::kNormal: v = normal_std * approx_normal(state); break;
        case Init::kOnes: v = kNormGain; break;
        case Init::kZeros: v = 0.0f; break;
        case Init::kLayerScale: v = 0.1f; break;
        case Init::kRope: {
          const int64_t t = i / (2 * inner), k = (i / 2) % inner;
          // fp32 throughout, as upstream's precompute_freqs_cis (then rounded to bf16)
          const float exponent = static_cast<float>(2 * k) / static_cast<float>(2 * inner);
          const float freq = 1.0f / std::pow(static_cast<float>(rope_base), exponent);
          const float angle = static_cast<float>(t) * freq;
          v = i % 2 == 0 ? std::cos(angle) : std::sin(angle);
          break;
        }
        case Init::kCausalMask: v = (i % cols) <= (i / cols) ? 1.0f : 0.0f; break;
      }
      put_value(spec.dtype, v, buffer.data() + j * item);
    }
    sink.write({buffer.data(), static_cast<size_t>(count) * item});
  }
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, "cannot write " + path);
}

}  // namespace

std::vector<TensorSpec> llm_checkpoint_specs(const LlmConfig& config) {
  std::vector<TensorSpec> specs;
  for (const ExpectedTensor& t : expected_llm_tensors(config).params) specs.push_back({t.name, DType::kBFloat16, t.shape});
  return specs;
}

std::vector<TensorSpec> codec_checkpoint_specs(const CodecConfig& config) {
  const ExpectedSet expected = expected_codec_tensors(config);
  std::vector<TensorSpec> specs;
  for (const ExpectedTensor& t : expected.params) {
    const bool conv_block = t.block == "codec.encoder" || t.block == "codec.decoder";
    std::vector<int64_t> gain_shape(t.shape.size(), 1);
    if (!t.shape.empty()) gain_shape[0] = t.shape[0];
    if (t.weight_norm && conv_block) {
      // torch.nn.utils.parametrizations.weight_norm keys (S1's causal convs)
      const std::string base = t.name.substr(0, t.name.size() - std::string("weight").size());
      specs.push_back({base + "parametrizations.weight.original0", DType::kFloat32, gain_shape});
      specs.push_back({base + "parametrizations.weight.original1", DType::kFloat32, t.shape});
    } else if (t.weight_norm) {
      // legacy torch.nn.utils.weight_norm keys (DAC's WNConv1d)
      specs.push_back({t.name + "_g", DType::kFloat32, gain_shape});
      specs.push_back({t.name + "_v", DType::kFloat32, t.shape});
    } else {
      specs.push_back({t.name, DType::kFloat32, t.shape});
    }
  }
  for (const ExpectedTensor& b : expected.optional_buffers) {
    specs.push_back({b.name, ends_with(b.name, ".causal_mask") ? DType::kBool : DType::kBFloat16, b.shape});
  }
  return specs;
}

std::vector<HeadScale> make_checkpoint(const Preset& preset, uint64_t seed, const std::string& out_dir,
                                       const MakeCheckpointOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create " + out_dir + ": " + ec.message());
  const fs::path dir(out_dir);

  write_text((dir / "config.json").string(), preset.llm.to_json().dump(4) + "\n");
  if (preset.write_codec_config) {
    write_text((dir / "codec_config.json").string(), preset.codec.to_json().dump(2) + "\n");
  } else {
    fs::remove(dir / "codec_config.json", ec);  // a stale one would override the S1 defaults
  }
  write_tiktoken_file((dir / "tokenizer.tiktoken").string(), preset.bpe_ranks);
  write_special_tokens_file((dir / "special_tokens.json").string(), preset.bpe_ranks, preset.llm.codebook_size);

  const auto llm = llm_checkpoint_specs(preset.llm);
  std::vector<float> stds(llm.size(), kNormalStd);
  std::vector<HeadScale> heads;
  if (options.trained_entropy) heads = trained_entropy_heads(preset, kNormGain);
  for (const HeadScale& head : heads) {
    for (size_t i = 0; i < llm.size(); ++i) {
      if (llm[i].name == head.tensor) stds[i] = static_cast<float>(head.weight_std);
    }
  }
  write_torch_checkpoint((dir / "model.pth").string(), "model", llm,
                         [&](size_t i, RecordSink& sink) { produce(llm[i], seed, i, 0.0, sink, stds[i]); });
  const auto codec = codec_checkpoint_specs(preset.codec);
  write_torch_checkpoint((dir / "codec.pth").string(), "codec", codec,
                         [&](size_t i, RecordSink& sink) {
                           const std::string& name = codec[i].name;
                           const double base = name.rfind("quantizer.pre_module.", 0) == 0    ? preset.codec.pre_module.rope_base
                                               : name.rfind("quantizer.post_module.", 0) == 0 ? preset.codec.post_module.rope_base
                                                                                              : preset.codec.general_rope_base;
                           produce(codec[i], seed ^ 0xc0dec, i, base, sink);
                         });
  return heads;
}

}  // namespace fishtts::checkpoint
