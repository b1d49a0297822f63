#include "codec/codec_info.h"

#include "common/error.h"
#include "hw/engine_settings.h"

namespace fishtts::codec {
namespace {

ChunkGraphInfo graph_from_json(const nlohmann::json& j) {
  ChunkGraphInfo g;
  g.file = j.at("file").get<std::string>();
  g.max_frames = j.at("max_frames").get<int64_t>();
  g.latent_steps_per_frame = j.at("latent_steps_per_frame").get<int64_t>();
  g.window_frames = j.value("window_frames", int64_t{0});  // absent in bundles written before long-form decoding
  for (const auto& s : j.at("states")) {
    g.states.push_back({s.at("input").get<std::string>(), s.at("output").get<std::string>(),
                        s.at("shape").get<std::vector<int64_t>>()});
  }
  return g;
}

void positive(int64_t value, const std::string& where, const char* field) {
  if (value <= 0) throw Error(ErrorCode::kBadFormat, where + ": " + field + " must be positive, got " + std::to_string(value));
}

}  // namespace

CodecInfo CodecInfo::from_json(const nlohmann::json& j, const std::string& where) {
  CodecInfo info;
  try {
    info.sample_rate = j.at("sample_rate").get<int64_t>();
    info.frame_length = j.at("frame_length").get<int64_t>();
    info.hop_length = j.at("hop_length").get<int64_t>();
    info.latent_dim = j.at("latent_dim").get<int64_t>();
    info.codebook_sizes = j.at("codebook_sizes").get<std::vector<int64_t>>();
    info.precision = j.at("precision").get<std::string>();
    info.decode = graph_from_json(j.at("decode"));
    info.encode = graph_from_json(j.at("encode"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, where + ": " + e.what());
  }
  positive(info.sample_rate, where, "sample_rate");
  positive(info.frame_length, where, "frame_length");
  positive(info.decode.max_frames, where, "decode.max_frames");
  positive(info.encode.max_frames, where, "encode.max_frames");
  if (info.codebook_sizes.empty()) throw Error(ErrorCode::kBadFormat, where + ": codebook_sizes is empty");
  for (int64_t s : info.codebook_sizes) positive(s, where, "codebook_sizes[]");
  // What the engine reports as loaded, so a name no converter writes is a broken bundle, not a report.
  try {
    static_cast<void>(hw::parse_codec_precision(info.precision));
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadFormat, where + ": precision: " + e.what());
  }
  return info;
}

}  // namespace fishtts::codec
