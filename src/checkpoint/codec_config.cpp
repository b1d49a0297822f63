#include "checkpoint/codec_config.h"

#include <filesystem>

#include "checkpoint/json_fields.h"
#include "common/error.h"

namespace fishtts::checkpoint {

CodecConfig CodecConfig::s1_defaults() { return CodecConfig{}; }

namespace {

CodecTransformerConfig parse_module(const nlohmann::json& json, const std::string& where) {
  CodecTransformerConfig t;
  JsonFields f(json, where);
  if (auto v = f.integer("window_size")) t.window_size = *v;
  if (const nlohmann::json* cfg = f.object("config")) {
    JsonFields c(*cfg, where + ".config");
    if (auto v = c.integer("block_size")) t.block_size = *v;
    if (auto v = c.integer("n_layer")) t.n_layer = *v;
    if (auto v = c.integer("n_head")) t.n_head = *v;
    if (auto v = c.integer("dim")) t.dim = *v;
    if (auto v = c.integer("intermediate_size")) t.intermediate_size = *v;
    if (auto v = c.integer("n_local_heads")) t.n_local_heads = *v;
    if (auto v = c.integer("head_dim")) t.head_dim = *v;
    if (auto v = c.number("rope_base")) t.rope_base = *v;
    if (auto v = c.number("norm_eps")) t.norm_eps = *v;
  }
  if (t.n_local_heads == -1) t.n_local_heads = t.n_head;
  return t;
}

// Integral values as JSON integers, as the yaml has them.
nlohmann::json number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return static_cast<int64_t>(v);
  return v;
}

nlohmann::json module_json(const CodecTransformerConfig& t, int64_t input_dim) {
  return {{"_target_", "fish_speech.models.dac.modded_dac.WindowLimitedTransformer"},
          {"causal", true},
          {"window_size", t.window_size},
          {"input_dim", input_dim},
          {"config",
           {{"_target_", "fish_speech.models.dac.modded_dac.ModelArgs"},
            {"block_size", t.block_size}, {"n_layer", t.n_layer}, {"n_head", t.n_head}, {"dim", t.dim},
            {"intermediate_size", t.intermediate_size}, {"n_local_heads", t.n_local_heads == t.n_head ? -1 : t.n_local_heads},
            {"head_dim", t.head_dim}, {"rope_base", number(t.rope_base)}, {"norm_eps", t.norm_eps}, {"dropout_rate", 0.1}, {"attn_dropout_rate", 0.1},
            {"channels_first", true}}}};
}

}  // namespace

CodecConfig CodecConfig::from_json(const nlohmann::json& json, const std::string& where) {
  CodecConfig c;
  c.from_file = true;
  JsonFields f(json, where);
  if (auto v = f.integer("sample_rate")) c.sample_rate = *v;
  if (auto v = f.integer("encoder_dim")) c.encoder_dim = *v;
  if (auto v = f.integers("encoder_rates")) c.encoder_rates = *v;
  if (auto v = f.integer("decoder_dim")) c.decoder_dim = *v;
  if (auto v = f.integers("decoder_rates")) c.decoder_rates = *v;
  if (auto v = f.integers("encoder_transformer_layers")) c.encoder_transformer_layers = *v;
  if (auto v = f.integers("decoder_transformer_layers")) c.decoder_transformer_layers = *v;
  if (const nlohmann::json* g = f.object("transformer_general_config")) {
    JsonFields gf(*g, where + ": transformer_general_config");
    if (auto v = gf.integer("block_size")) c.general_block_size = *v;
    if (auto v = gf.integer("head_dim")) c.general_head_dim = *v;
    if (auto v = gf.integer("n_local_heads")) c.general_n_local_heads = *v;
    if (auto v = gf.number("rope_base")) c.general_rope_base = *v;
    if (auto v = gf.number("norm_eps")) c.general_norm_eps = *v;
  }
  if (const nlohmann::json* q = f.object("quantizer")) {
    JsonFields qf(*q, where + ": quantizer");
    if (auto v = qf.integer("input_dim")) c.latent_dim = *v;
    if (auto v = qf.integer("n_codebooks")) c.n_codebooks = *v;
    if (auto v = qf.integer("codebook_size")) c.codebook_size = *v;
    if (auto v = qf.integer("codebook_dim")) c.codebook_dim = *v;
    if (auto v = qf.integer("semantic_codebook_size")) c.semantic_codebook_size = *v;
    if (auto v = qf.integers("downsample_factor")) c.downsample_factor = *v;
    if (const nlohmann::json* m = qf.object("pre_module")) c.pre_module = parse_module(*m, where + ": quantizer.pre_module");
    if (const nlohmann::json* m = qf.object("post_module")) c.post_module = parse_module(*m, where + ": quantizer.post_module");
  }
  c.validate(where);
  return c;
}

CodecConfig CodecConfig::for_checkpoint_dir(const std::string& dir) {
  const auto path = std::filesystem::path(dir) / "codec_config.json";
  if (!std::filesystem::exists(path)) return s1_defaults();
  return from_json(read_json_file(path.string()), path.string());
}

void CodecConfig::validate(const std::string& where) const {
  auto require = [&](bool ok, const std::string& field, const std::string& rule) {
    if (!ok) throw Error(ErrorCode::kInvalidArgument, where + ": field " + field + " must be " + rule);
  };
  constexpr int64_t kMax = int64_t{1} << 20;
  auto positive = [&](int64_t v, const std::string& field) { require(v > 0 && v <= kMax, field, "in 1..2^20 (got " + std::to_string(v) + ")"); };
  positive(sample_rate, "sample_rate");
  positive(encoder_dim, "encoder_dim");
  positive(decoder_dim, "decoder_dim");
  positive(latent_dim, "quantizer.input_dim");
  positive(codebook_size, "quantizer.codebook_size");
  positive(codebook_dim, "quantizer.codebook_dim");
  positive(semantic_codebook_size, "quantizer.semantic_codebook_size");
  require(n_codebooks >= 0 && n_codebooks <= 64, "quantizer.n_codebooks", "in 0..64");
  require(!encoder_rates.empty() && encoder_rates.size() <= 8, "encoder_rates", "1..8 strides");
  require(!decoder_rates.empty() && decoder_rates.size() <= 8, "decoder_rates", "1..8 strides");
  require(encoder_transformer_layers.size() == encoder_rates.size(), "encoder_transformer_layers", "as long as encoder_rates");
  require(downsample_factor.size() <= 8, "quantizer.downsample_factor", "at most 8 factors");
  for (int64_t r : encoder_rates) positive(r, "encoder_rates[]");
  for (int64_t r : decoder_rates) positive(r, "decoder_rates[]");
  for (int64_t r : downsample_factor) positive(r, "quantizer.downsample_factor[]");
  for (int64_t n : encoder_transformer_layers) require(n >= 0 && n <= 256, "encoder_transformer_layers[]", "in 0..256");
  require((encoder_dim << encoder_rates.size()) <= kMax, "encoder_dim", "small enough for 2^blocks doubling");
  require((decoder_dim >> decoder_rates.size()) > 0, "decoder_dim", "divisible by 2 once per decoder block");
  positive(general_head_dim, "transformer_general_config.head_dim");
  positive(general_block_size, "transformer_general_config.block_size");
  for (size_t i = 0; i < encoder_rates.size(); ++i) {
    if (encoder_transformer_layers[i] > 0) {
      require(encoder_channels(i) % general_head_dim == 0, "transformer_general_config.head_dim",
              "a divisor of encoder block " + std::to_string(i) + "'s " + std::to_string(encoder_channels(i)) + " channels");
    }
  }
  for (auto [name, t] : {std::pair<const char*, const CodecTransformerConfig*>{"quantizer.pre_module", &pre_module}, {"quantizer.post_module", &post_module}}) {
    const std::string p = name;
    require(t->n_layer >= 0 && t->n_layer <= 256, p + ".config.n_layer", "in 0..256");
    positive(t->n_head, p + ".config.n_head");
    positive(t->dim, p + ".config.dim");
    positive(t->head_dim, p + ".config.head_dim");
    positive(t->intermediate_size, p + ".config.intermediate_size");
    positive(t->block_size, p + ".config.block_size");
    positive(t->window_size, p + ".window_size");
    require(t->n_local_heads > 0 && t->n_head % t->n_local_heads == 0, p + ".config.n_local_heads", "a positive divisor of n_head");
    require(t->dim == latent_dim, p + ".config.dim", "equal to quantizer.input_dim (projections are identity)");
  }
}

int64_t CodecConfig::hop_length() const {
  int64_t h = 1;
  for (int64_t r : encoder_rates) h *= r;
  return h;
}

int64_t CodecConfig::frame_length() const {
  int64_t f = hop_length();
  for (int64_t r : downsample_factor) f *= r;
  return f;
}

nlohmann::json CodecConfig::to_json() const {
  return {{"_target_", "fish_speech.models.dac.modded_dac.DAC"},
          {"sample_rate", sample_rate},
          {"encoder_dim", encoder_dim},
          {"encoder_rates", encoder_rates},
          {"decoder_dim", decoder_dim},
          {"decoder_rates", decoder_rates},
          {"encoder_transformer_layers", encoder_transformer_layers},
          {"decoder_transformer_layers", decoder_transformer_layers},
          {"transformer_general_config",
           {{"_target_", "fish_speech.models.dac.modded_dac.ModelArgs"}, {"_partial_", true},
            {"block_size", general_block_size}, {"n_local_heads", general_n_local_heads}, {"head_dim", general_head_dim},
            {"rope_base", number(general_rope_base)}, {"norm_eps", general_norm_eps}, {"dropout_rate", 0.1},
            {"attn_dropout_rate", 0.1}, {"channels_first", true}}},
          {"quantizer",
           {{"_target_", "fish_speech.models.dac.rvq.DownsampleResidualVectorQuantize"},
            {"input_dim", latent_dim}, {"n_codebooks", n_codebooks}, {"codebook_size", codebook_size},
            {"codebook_dim", codebook_dim}, {"quantizer_dropout", 0.5}, {"downsample_factor", downsample_factor},
            {"post_module", module_json(post_module, latent_dim)}, {"pre_module", module_json(pre_module, latent_dim)},
            {"semantic_codebook_size", semantic_codebook_size}}}};
}

}  // namespace fishtts::checkpoint
