#include "codec/codec_compute.h"

#include <algorithm>

namespace fishtts::codec {
namespace {

// One position of a pre-norm transformer layer attending over `window` keys: wqkv, wo, SwiGLU, QK^T and AV.
double transformer_layer_macs(double dim, double q_dim, double kv_dim, double ffn, double window) {
  return dim * (q_dim + 2 * kv_dim) + q_dim * dim + 3 * dim * ffn + 2 * window * q_dim;
}

double module_macs(const checkpoint::CodecTransformerConfig& c) {
  const double q = static_cast<double>(c.n_head * c.head_dim);
  const double kv = static_cast<double>((c.n_local_heads > 0 ? c.n_local_heads : c.n_head) * c.head_dim);
  return static_cast<double>(c.n_layer) *
         transformer_layer_macs(static_cast<double>(c.dim), q, kv, static_cast<double>(c.intermediate_size),
                                static_cast<double>(c.window_size));
}

// Three residual units (k7 conv + k1 conv, C -> C) per output sample.
double residual_units_macs(double channels) { return 3 * (7 + 1) * channels * channels; }

// ConvNeXt block per position: depth-wise k7, Linear C -> 4C, Linear 4C -> C.
double convnext_macs(double channels) { return 7 * channels + 2 * 4 * channels * channels; }

}  // namespace

CodecMacs codec_macs_per_frame(const checkpoint::CodecConfig& c) {
  CodecMacs m;
  const double latent = static_cast<double>(c.latent_dim);
  const double frame = static_cast<double>(c.frame_length());
  const double codebooks = static_cast<double>(c.n_codebooks + 1), code_dim = static_cast<double>(c.codebook_dim);

  // Decode: dequantize (out_proj per codebook), post_module, upsampling (mirrors the downsampling), decoder.
  double d = codebooks * code_dim * latent + module_macs(c.post_module);
  double positions = 1;  // latent positions per frame at the current stage
  for (auto it = c.downsample_factor.rbegin(); it != c.downsample_factor.rend(); ++it) {
    const double s = static_cast<double>(*it);
    d += positions * latent * latent * s;  // transposed conv k = stride
    positions *= s;
    d += positions * convnext_macs(latent);
  }
  double channels = static_cast<double>(c.decoder_dim);
  d += positions * latent * channels * 7;
  for (size_t i = 0; i < c.decoder_rates.size(); ++i) {
    const double s = static_cast<double>(c.decoder_rates[i]), out = static_cast<double>(c.decoder_channels(i));
    d += positions * channels * out * 2 * s;  // transposed conv k = 2 * stride
    positions *= s;
    d += positions * residual_units_macs(out);
    channels = out;
  }
  d += positions * channels * 7;  // final conv to one channel
  m.decode_per_frame = d;

  // Encode: first conv, blocks (residual units at the input rate, then a strided conv, then an optional
  // transformer), the k3 conv, downsampling, pre_module, the quantizers' in/out projections and lookups.
  double samples = frame;
  channels = static_cast<double>(c.encoder_dim);
  double e = samples * channels * 7;
  for (size_t i = 0; i < c.encoder_rates.size(); ++i) {
    const double s = static_cast<double>(c.encoder_rates[i]), out = static_cast<double>(c.encoder_channels(i));
    e += samples * residual_units_macs(channels);
    samples /= s;
    e += samples * channels * out * 2 * s;  // strided conv k = 2 * stride
    channels = out;
    const int64_t layers = i < c.encoder_transformer_layers.size() ? c.encoder_transformer_layers[i] : 0;
    if (layers > 0) {
      const double q = channels;  // n_head = dim / head_dim, no GQA
      const double ffn = c.encoder_transformer_ffn > 0 ? static_cast<double>(c.encoder_transformer_ffn) : 3 * channels;
      e += samples * static_cast<double>(layers) *
           transformer_layer_macs(channels, q, q, ffn, static_cast<double>(c.encoder_transformer_window));
    }
  }
  e += samples * channels * latent * 3;
  for (int64_t factor : c.downsample_factor) {
    const double s = static_cast<double>(factor);
    samples /= s;
    e += samples * (latent * latent * s + convnext_macs(latent));
  }
  const double lookups = static_cast<double>(c.semantic_codebook_size) + static_cast<double>(c.n_codebooks * c.codebook_size);
  e += module_macs(c.pre_module) + 2 * codebooks * code_dim * latent + lookups * code_dim;
  m.encode_per_frame = e;
  return m;
}

}  // namespace fishtts::codec
