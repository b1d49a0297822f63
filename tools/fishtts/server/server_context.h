// What every route handler shares: the engine, options, the inference queue, metrics and the reference store.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "http/http_router.h"
#include "inference_queue.h"
#include "pipeline/engine.h"
#include "pipeline/reference_store.h"
#include "server.h"
#include "reference_codes_cache.h"
#include "server_metrics.h"

namespace fishtts::server {

struct ServerContext {
  ServerContext(std::shared_ptr<const pipeline::Engine> e, ServerOptions o);

  std::shared_ptr<const pipeline::Engine> engine;
  ServerOptions options;
  ServerMetrics metrics;
  pipeline::ReferenceStore references;
  ReferenceCodesCache inline_reference_codes;
  HttpRouter router;
  std::atomic<bool> draining{false};  // stop() began: /v1/ready answers 503
  InferenceQueue queue;  // last: destroyed first, so no job outlives what it uses
};

// Wraps a handler so nothing escapes it: HttpError, fishtts::Error and anything else become JSON errors.
HttpHandler guarded(HttpHandler handler);
// The JSON error answer in the shape the path's API uses: OpenAI's on /v1/audio/* and /v1/models, else upstream's.
void send_error(HttpResponse& res, const std::string& path, int status, const std::string& message);
void send_json(HttpResponse& res, const nlohmann::json& value);
// The request's body as JSON whatever its encoding (request_body.h).
struct RequestBody;
RequestBody read_body(const HttpRequest& req);
// Runs `work` on the inference worker and waits for it; 503 when the queue is full. Rethrows what work threw.
void run_on_worker(ServerContext& ctx, std::function<void()> work);
// A 503 naming the queue limit, with Retry-After.
[[noreturn]] void throw_queue_full(const ServerContext& ctx);

void add_basic_routes(ServerContext& ctx);       // /v1/health, /v1/ready, /metrics
// Whether a load balancer should send requests here: not draining and the queue not full.
bool is_ready(const ServerContext& ctx);
void add_catalog_routes(ServerContext& ctx);     // /v1/models, /v1/audio/models, /v1/audio/voices
void add_tts_routes(ServerContext& ctx);         // /v1/tts, /v1/audio/speech
void add_vqgan_routes(ServerContext& ctx);       // /v1/vqgan/encode, /v1/vqgan/decode
void add_reference_routes(ServerContext& ctx);   // /v1/references/*
void add_page_routes(ServerContext& ctx);        // GET / and the page's files, GET /v1/ui/config
// The page's routes, open even with --api-key (the page holds no secrets and asks for the key itself).
bool is_page_path(const std::string& path);

}  // namespace fishtts::server
