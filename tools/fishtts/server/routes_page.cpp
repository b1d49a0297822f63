// The web page: GET / (index.html), its CSS, script and icon (compiled in from web/), and GET /v1/ui/config, the
// server's limits and the API's defaults and ranges for the page's settings. All open even with --api-key: they
// hold no secrets, and the page must load before it can ask for the key.
#include <algorithm>
#include <cmath>

#include "embedded_files.h"
#include "lm/frame_generator.h"
#include "server_context.h"
#include "text/text_splitter.h"
#include "tts_fields.h"

namespace fishtts::server {
namespace {

// Everything the page loads comes from this server: no inline script or style, no other host.
// blob: media is the finished WAV the page builds in memory for its <audio> element.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

const char* content_type_of(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

void send_file(const EmbeddedFile& file, HttpResponse& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");  // a new build's page replaces the old one at once
  res.set_content(std::string(file.bytes), content_type_of(file.name));
}

// Floats such as 0.8f would print as 0.800000011920929; the page shows what a person would type.
double rounded(double v) { return std::round(v * 1e6) / 1e6; }

nlohmann::json number_field(double default_value, double min, double max) {
  return {{"default", rounded(default_value)}, {"min", min}, {"max", max}};
}

nlohmann::json number_field(double default_value, const FieldRange& range) {
  return number_field(default_value, range.min, range.max);
}

nlohmann::json ui_config(const ServerContext& ctx) {
  const lm::GenerationParams defaults;
  return {
      {"max_text_length", ctx.options.max_text_length},
      {"api_key_required", !ctx.options.api_key.empty()},
      {"sample_rate", ctx.engine->sample_rate()},
      {"fields",
       {{kTemperatureRange.name, number_field(defaults.sampling.temperature, kTemperatureRange)},
        {kTopPRange.name, number_field(defaults.sampling.top_p, kTopPRange)},
        {kRepetitionPenaltyRange.name, number_field(defaults.sampling.repetition_penalty, kRepetitionPenaltyRange)},
        {kMaxNewTokensRange.name, number_field(defaults.max_new_tokens, kMaxNewTokensRange)},
        {"chunk_length", number_field(static_cast<double>(text::kDefaultChunkLength),
                                      static_cast<double>(text::kMinChunkLength),
                                      static_cast<double>(text::kMaxChunkLength))}}},
  };
}

}  // namespace

bool is_page_path(const std::string& path) {
  if (path == "/" || path == "/v1/ui/config") return true;
  const std::span<const EmbeddedFile> files = web_files();
  return std::any_of(files.begin(), files.end(), [&](const EmbeddedFile& f) { return path == "/" + std::string(f.name); });
}

void add_page_routes(ServerContext& ctx) {
  for (const EmbeddedFile& file : web_files()) {
    const auto handler = guarded([&file](const HttpRequest&, HttpResponse& res) { send_file(file, res); });
    if (file.name == "index.html") ctx.router.get("/", handler);
    ctx.router.get("/" + std::string(file.name), handler);
  }
  ctx.router.get("/v1/ui/config", guarded([&ctx](const HttpRequest&, HttpResponse& res) {
    res.set_header("Cache-Control", "no-store");
    send_json(res, ui_config(ctx));
  }));
}

}  // namespace fishtts::server
