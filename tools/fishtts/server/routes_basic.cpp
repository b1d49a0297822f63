// GET/POST /v1/health (liveness) and GET /v1/ready (readiness), both open even with --api-key, and GET /metrics.
#include "server_context.h"

namespace fishtts::server {

bool is_ready(const ServerContext& ctx) {
  return !ctx.draining && ctx.queue.waiting() < ctx.queue.max_waiting();
}

void add_basic_routes(ServerContext& ctx) {
  auto health = guarded([](const HttpRequest&, HttpResponse& res) { send_json(res, {{"status", "ok"}}); });
  ctx.router.get("/v1/health", health);
  ctx.router.post("/v1/health", health);
  // The model is loaded and warmed before the server listens, so readiness is the drain and the queue.
  ctx.router.get("/v1/ready", guarded([&ctx](const HttpRequest&, HttpResponse& res) {
    if (ctx.draining) {
      res.status = 503;
      send_json(res, {{"status", "draining"}});
    } else if (!is_ready(ctx)) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      send_json(res, {{"status", "busy"}, {"queue_waiting", ctx.queue.waiting()}});
    } else {
      send_json(res, {{"status", "ready"}});
    }
  }));
  ctx.router.get("/metrics", guarded([&ctx](const HttpRequest&, HttpResponse& res) {
    res.set_content(ctx.metrics.render(ctx.queue.waiting(), ctx.queue.busy(), ctx.queue.max_waiting(), is_ready(ctx)),
                    "text/plain; version=0.0.4");
  }));
}

}  // namespace fishtts::server
