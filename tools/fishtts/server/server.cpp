#include "server.h"

#include <algorithm>
#include <array>
#include <future>
#include <string_view>

#include "auth.h"
#include "common/error.h"
#include "http_error.h"
#include "origin_check.h"
#include "request_body.h"
#include "server_context.h"

namespace fishtts::server {
namespace {

pipeline::ReferenceStoreOptions store_options(const pipeline::Engine& engine, const ServerOptions& o) {
  pipeline::ReferenceStoreOptions s;
  s.sample_rate = engine.sample_rate();
  s.max_audio_seconds = o.max_reference_seconds;
  return s;
}

// Metric labels come from this fixed set so a scanner cannot grow the label space.
// A constant array, not a static std::set: handler threads may still log while statics are destroyed at exit.
std::string route_label(const std::string& path) {
  static constexpr std::array<std::string_view, 16> kRoutes = {
      "/v1/health", "/v1/tts", "/v1/audio/speech", "/v1/vqgan/encode", "/v1/vqgan/decode", "/metrics",
      "/v1/references/add", "/v1/references/list", "/v1/references/delete", "/v1/references/update",
      "/", "/v1/ui/config", "/v1/models", "/v1/audio/models", "/v1/audio/voices", "/v1/ready"};
  return std::find(kRoutes.begin(), kRoutes.end(), path) != kRoutes.end() ? path : "other";
}

}  // namespace

ServerContext::ServerContext(std::shared_ptr<const pipeline::Engine> e, ServerOptions o)
    : engine(std::move(e)),
      options(std::move(o)),
      references(options.references_dir.empty() ? pipeline::ReferenceStore::default_root() : options.references_dir,
                 store_options(*engine, options)),
      queue(options.max_queue) {}

void send_json(HttpResponse& res, const nlohmann::json& value) {
  res.set_content(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(HttpResponse& res, const std::string& path, int status, const std::string& message) {
  res.status = status;
  if (status == 503) res.set_header("Retry-After", "1");
  if (status == 415) res.set_header("Accept", kAcceptedBodyTypes);
  send_json(res, is_openai_path(path) ? openai_error_envelope(status, message) : error_envelope(status, message));
}

HttpHandler guarded(HttpHandler handler) {
  return [handler = std::move(handler)](const HttpRequest& req, HttpResponse& res) {
    try {
      handler(req, res);
    } catch (const HttpError& e) {
      send_error(res, req.path, e.status(), e.what());
    } catch (const Error& e) {
      send_error(res, req.path, http_status_for(e.code()), e.what());
    } catch (const std::bad_alloc&) {
      send_error(res, req.path, 500, "out of memory");
    } catch (const std::exception& e) {
      send_error(res, req.path, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, req.path, 500, "internal error");
    }
  };
}

RequestBody read_body(const HttpRequest& req) {
  return parse_request_body(req.header("Content-Type"), req.body);
}

void throw_queue_full(const ServerContext& ctx) {
  throw HttpError(503, "busy: " + std::to_string(ctx.queue.max_waiting()) +
                           " requests are already waiting for the inference worker; retry later");
}

void run_on_worker(ServerContext& ctx, std::function<void()> work) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> result = done->get_future();
  InferenceJob job;
  job.run = [done, work = std::move(work)] {
    try {
      work();
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  };
  job.abandon = [done] { done->set_exception(std::make_exception_ptr(HttpError(503, "the server is shutting down"))); };
  if (!ctx.queue.submit(std::move(job))) throw_queue_full(ctx);
  result.get();
}

namespace {

// The CORS origin to answer for this request ("*" or the request's Origin), or "" when it gets no CORS headers.
std::string cors_origin(const ServerContext& ctx, const HttpRequest& req) {
  const std::string origin = req.header("Origin");
  if (origin.empty()) return "";
  for (const std::string& allowed : ctx.options.cors_origins) {
    if (allowed == "*" || allowed == origin) return allowed == "*" ? "*" : origin;
  }
  return "";
}

void add_cors_headers(HttpResponse& res, const std::string& origin) {
  res.set_header("Access-Control-Allow-Origin", origin);
  if (origin != "*") res.set_header("Vary", "Origin");
  res.set_header("Access-Control-Expose-Headers",
                 "Content-Disposition, X-Fishtts-Frames, X-Fishtts-Rtf, X-Fishtts-Text-Chunks, X-Fishtts-Voice, "
                 "X-Fishtts-Instructions");
}

// Everything a request goes through: CORS preflights, the origin and key checks, the route, metrics.
void dispatch(ServerContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const bool probe = req.path == "/v1/health" || req.path == "/v1/ready";
  const bool open = ctx.options.api_key.empty() || probe || is_page_path(req.path);
  const HttpHandler* handler = nullptr;
  std::string allowed;
  const std::string cors = cors_origin(ctx, req);
  if (!cors.empty() && req.method == "OPTIONS") {  // a preflight carries no key: answered before auth
    res.status = 204;
    add_cors_headers(res, cors);
    res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept");
    res.set_header("Access-Control-Max-Age", "600");
    ctx.metrics.count_request(route_label(req.path), res.status);
    return;
  }
  const std::optional<std::string> cross_origin =
      ctx.options.api_key.empty() && !probe && cors.empty()
          ? cross_origin_refusal(req, ctx.options.host, ctx.options.allowed_origins)
          : std::nullopt;
  if (cross_origin) {
    send_error(res, req.path, 403, *cross_origin);
  } else if (!open && !bearer_matches(req.header("Authorization"), ctx.options.api_key)) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, req.path, 401, "missing or wrong API key: send 'Authorization: Bearer <key>'");
  } else {
    switch (ctx.router.find(req, handler, allowed)) {
      case HttpRouter::Match::kFound: (*handler)(req, res); break;
      case HttpRouter::Match::kNoPath: send_error(res, req.path, 404, "no route " + req.method + " " + req.path.substr(0, 200)); break;
      case HttpRouter::Match::kWrongMethod:
        res.set_header("Allow", allowed);
        send_error(res, req.path, 405, req.method.substr(0, 20) + " is not allowed on " + req.path + " (allowed: " + allowed + ")");
        break;
    }
  }
  if (!cors.empty()) add_cors_headers(res, cors);
  // Counted before the response is written, so a client reading /metrics next sees its request.
  ctx.metrics.count_request(route_label(req.path), res.status);
}

// The listener's own refusals (malformed or oversized requests, timeouts, too many connections).
void refusal(ServerContext& ctx, int status, const std::string& message, const HttpRequest* req, HttpResponse& res) {
  send_error(res, req ? req->path : std::string(), status, message);
  res.set_header("Connection", "close");
  ctx.metrics.count_request(req ? route_label(req->path) : "other", status);
}

}  // namespace

Server::Server(std::shared_ptr<const pipeline::Engine> engine, ServerOptions options) {
  if (!engine) throw Error(ErrorCode::kInvalidArgument, "the server needs an engine");
  if (options.max_queue == 0) throw Error(ErrorCode::kInvalidArgument, "--max-queue must be at least 1");
  // Every waiting request holds a connection; keep room beside them for health, metrics and 503 answers.
  if (options.http.max_connections < options.max_queue + 2) {
    throw Error(ErrorCode::kInvalidArgument, "--max-connections must be at least --max-queue + 2 (" +
                                                 std::to_string(options.max_queue + 2) + ")");
  }
  const auto& cors = options.cors_origins;
  if (!options.api_key.empty() && std::find(cors.begin(), cors.end(), "*") != cors.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--cors-origin '*' is only allowed without --api-key (any web page could then use the key); "
                "name the origins instead");
  }
  context_ = std::make_unique<ServerContext>(std::move(engine), std::move(options));
  ServerContext& ctx = *context_;
  add_basic_routes(ctx);
  add_catalog_routes(ctx);
  add_tts_routes(ctx);
  add_vqgan_routes(ctx);
  add_reference_routes(ctx);
  add_page_routes(ctx);
  listener_ = std::make_unique<HttpListener>(
      ctx.options.http, [&ctx](const HttpRequest& req, HttpResponse& res) { dispatch(ctx, req, res); },
      [&ctx](int status, const std::string& message, const HttpRequest* req, HttpResponse& res) {
        refusal(ctx, status, message, req, res);
      });
}

Server::~Server() {
  stop();
  listener_.reset();  // waits for the connections still answering
}

int Server::bind() { return listener_->bind(context_->options.host, context_->options.port); }

void Server::run() { listener_->run(); }

void Server::stop() {
  if (!context_) return;
  context_->draining = true;  // not ready at once
  listener_->stop();  // no new connections; idle ones close
  // Waiting requests get 503; the running synthesis may finish within the grace period, then it is cancelled.
  context_->queue.shutdown(context_->options.shutdown_grace);
}

}  // namespace fishtts::server
