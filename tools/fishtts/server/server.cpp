#include "server.h"

#include <algorithm>
#include <array>
#include <future>
#include <string_view>

#include "auth.h"
#include "common/error.h"
#include "http_error.h"
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
  static constexpr std::array<std::string_view, 15> kRoutes = {
      "/v1/health", "/v1/tts", "/v1/audio/speech", "/v1/vqgan/encode", "/v1/vqgan/decode", "/metrics",
      "/v1/references/add", "/v1/references/list", "/v1/references/delete", "/v1/references/update",
      "/", "/v1/ui/config", "/v1/models", "/v1/audio/models", "/v1/audio/voices"};
  return std::find(kRoutes.begin(), kRoutes.end(), path) != kRoutes.end() ? path : "other";
}

}  // namespace

ServerContext::ServerContext(std::shared_ptr<const pipeline::Engine> e, ServerOptions o)
    : engine(std::move(e)),
      options(std::move(o)),
      references(options.references_dir.empty() ? pipeline::ReferenceStore::default_root() : options.references_dir,
                 store_options(*engine, options)),
      queue(options.max_queue) {}

void send_json(httplib::Response& res, const nlohmann::json& value) {
  res.set_content(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  if (status == 503) res.set_header("Retry-After", "1");
  if (status == 415) res.set_header("Accept", kAcceptedBodyTypes);
  send_json(res, error_envelope(status, message));
}

httplib::Server::Handler guarded(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const HttpError& e) {
      send_error(res, e.status(), e.what());
    } catch (const Error& e) {
      send_error(res, http_status_for(e.code()), e.what());
    } catch (const std::bad_alloc&) {
      send_error(res, 500, "out of memory");
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      send_error(res, 500, "internal error");
    }
  };
}

RequestBody read_body(const httplib::Request& req) {
  std::vector<FormPart> parts;
  for (const auto& [name, file] : req.files) parts.push_back({name, file.content, file.filename});
  return parse_request_body(req.get_header_value("Content-Type"), req.body, parts);
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

Server::Server(std::shared_ptr<const pipeline::Engine> engine, ServerOptions options) {
  if (!engine) throw Error(ErrorCode::kInvalidArgument, "the server needs an engine");
  if (options.max_queue == 0) throw Error(ErrorCode::kInvalidArgument, "--max-queue must be at least 1");
  context_ = std::make_unique<ServerContext>(std::move(engine), std::move(options));
  ServerContext& ctx = *context_;
  httplib::Server& http = ctx.http;

  // Every waiting request holds an HTTP thread; keep enough beside them for health, metrics and 503 answers.
  const std::size_t threads = ctx.options.max_queue + 8;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(ctx.options.max_body_bytes);
  http.set_read_timeout(30);
  http.set_write_timeout(30);

  http.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (ctx.options.api_key.empty() || req.path == "/v1/health" || is_page_path(req.path)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (bearer_matches(req.get_header_value("Authorization"), ctx.options.api_key)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "missing or wrong API key: send 'Authorization: Bearer <key>'");
    return httplib::Server::HandlerResponse::Handled;
  });
  // httplib's own failures (404 no route, 413 body too large, 400 unparsable request) get the envelope too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = status_reason(res.status);
    if (res.status == 404) message = "no route " + req.method + " " + req.path.substr(0, 200);
    if (res.status == 413) message = "the request body is larger than the limit";
    send_json(res, error_envelope(res.status, message));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, 500, "internal error");
  });
  // Counted before the response is written (the logger runs after it, so a client could read /metrics first).
  http.set_post_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (req.path.empty()) return;  // no request line was read (connection closed)
    if (res.status >= 400 && is_openai_path(req.path)) {
      const nlohmann::json fish = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
      if (fish.is_object() && fish.contains("message") && fish["message"].is_string()) {
        send_json(res, openai_error_envelope(res.status, fish["message"].get<std::string>()));
        res.headers.erase("Content-Length");  // httplib sized the body before this handler ran
        res.set_header("Content-Length", std::to_string(res.body.size()));
      }
    }
    ctx.metrics.count_request(route_label(req.path), res.status);
  });

  add_basic_routes(ctx);
  add_catalog_routes(ctx);
  add_tts_routes(ctx);
  add_vqgan_routes(ctx);
  add_reference_routes(ctx);
  add_page_routes(ctx);
}

Server::~Server() { stop(); }

int Server::bind() {
  ServerContext& ctx = *context_;
  int port = ctx.options.port;
  if (port == 0) {
    port = ctx.http.bind_to_any_port(ctx.options.host);
    if (port < 0) port = 0;
  } else if (!ctx.http.bind_to_port(ctx.options.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    throw Error(ErrorCode::kIo, "cannot listen on " + ctx.options.host + ":" + std::to_string(ctx.options.port) +
                                    " (address in use or not local?)");
  }
  return port;
}

void Server::run() { context_->http.listen_after_bind(); }

void Server::stop() {
  if (!context_) return;
  context_->queue.shutdown();  // waiting requests get 503, a running synthesis finishes
  context_->http.stop();
}

}  // namespace fishtts::server
