// A bundle: everything the engine runs, converted from one checkpoint folder, in one folder:
//   slow.onnx, fast.onnx, llm.json                      the transformer (convert/llm_bundle.h)
//   codec_decode.onnx, codec_encode.onnx, codec.json    the codec (convert/codec_bundle.h)
//   <graph>.onnx.data beside each graph                 its weights, which ONNX Runtime maps (kBundleSaveOptions)
//   tokenizer.tiktoken, special_tokens.json, config.json (, codec_config.json)
//   manifest.json                                       written last: the files with sizes and sha256, the
//                                                       converter versions and options, the source fingerprint
// A folder without a valid manifest is not a bundle: write_bundle() fills a temporary folder and renames it into
// place only when complete, so a conversion killed half way never leaves something that looks usable.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "convert/codec_bundle.h"
#include "convert/llm_bundle.h"

namespace fishtts::convert {

inline constexpr int kBundleFormatVersion = 1;

struct BundleOptions {
  LlmConvertOptions llm;
  CodecConvertOptions codec;

  // What the bundle's content depends on (besides the checkpoint): part of the cache key and the manifest.
  nlohmann::json to_json() const;
};

using ProgressFn = std::function<void(const std::string& stage)>;

// Converts `checkpoint_dir` into `out_dir` (which must not exist yet; throws kInvalidArgument otherwise).
void write_bundle(const std::string& checkpoint_dir, const std::string& out_dir, const BundleOptions& options,
                  const std::string& fingerprint = "", const ProgressFn& progress = {});

bool has_manifest(const std::string& dir);
// "" when the manifest lists exactly what is there (sizes; sha256 too when check_hashes) and the converter
// versions are this build's; otherwise the first problem found, in words.
std::string verify_bundle(const std::string& dir, bool check_hashes = true);
nlohmann::json read_manifest(const std::string& dir);  // throws kNotFound / kBadFormat

// sha256 of a file / of bytes, hex.
std::string sha256_file(const std::string& path);
std::string sha256_hex(const std::string& data);

}  // namespace fishtts::convert
