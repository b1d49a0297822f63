// What OpenAI-style clients call to discover a server: GET /v1/models and /v1/audio/models (the one loaded model,
// with the OpenAI TTS model names it answers to) and GET /v1/audio/voices (the --voice-map names, the stored
// references, plus "default";
// Open WebUI's {"voices": [{id, name}]} shape).
#include "server_context.h"

namespace fishtts::server {
namespace {

// /v1/audio/speech accepts any model name; these are the ones OpenAI clients send.
constexpr const char* kModelNames[] = {"s1-mini", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"};

nlohmann::json model_list() {
  nlohmann::json data = nlohmann::json::array();
  for (const char* name : kModelNames) {
    data.push_back({{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "fishtts"}});
  }
  return data;
}

}  // namespace

void add_catalog_routes(ServerContext& ctx) {
  ctx.router.get("/v1/models", guarded([](const HttpRequest&, HttpResponse& res) {
    send_json(res, {{"object", "list"}, {"data", model_list()}});
  }));
  ctx.router.get("/v1/audio/models", guarded([](const HttpRequest&, HttpResponse& res) {
    nlohmann::json models = nlohmann::json::array();
    for (const char* name : kModelNames) models.push_back({{"id", name}, {"name", name}});
    send_json(res, {{"models", models}});
  }));
  ctx.router.get("/v1/audio/voices", guarded([&ctx](const HttpRequest&, HttpResponse& res) {
    nlohmann::json voices = nlohmann::json::array({{{"id", "default"}, {"name", "default"}}});
    for (const auto& [name, id] : ctx.options.voice_map) voices.push_back({{"id", name}, {"name", name + " (" + id + ")"}});
    for (const std::string& id : ctx.references.list()) voices.push_back({{"id", id}, {"name", id}});
    send_json(res, {{"voices", voices}});
  }));
}

}  // namespace fishtts::server
