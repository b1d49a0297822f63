// GET/POST /v1/health (open even with --api-key) and GET /metrics.
#include "server_context.h"

namespace fishtts::server {

void add_basic_routes(ServerContext& ctx) {
  auto health = guarded([](const HttpRequest&, HttpResponse& res) { send_json(res, {{"status", "ok"}}); });
  ctx.router.get("/v1/health", health);
  ctx.router.post("/v1/health", health);
  ctx.router.get("/metrics", guarded([&ctx](const HttpRequest&, HttpResponse& res) {
    res.set_content(ctx.metrics.render(ctx.queue.waiting(), ctx.queue.busy(), ctx.queue.max_waiting()),
                    "text/plain; version=0.0.4");
  }));
}

}  // namespace fishtts::server
