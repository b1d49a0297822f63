// `fishtts serve`: the Fish Speech HTTP API (spec 7) and OpenAI's POST /v1/audio/speech over Boost.Beast
// (http/http_listener.h), which enforces the connection limits before any route runs.
// The server is an adapter: handlers parse and validate, model work goes to the one inference worker through
// a bounded queue, and every failure becomes a JSON error {statusCode, message, error}; nothing throws out of it.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/http_limits.h"
#include "http/http_listener.h"
#include "pipeline/engine.h"

namespace fishtts::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 = any free port (bind() returns it)
  std::string api_key;                   // empty = no authentication
  std::vector<std::string> allowed_origins;  // without a key: web origins besides loopback ones ("*" = any)
  std::vector<std::string> cors_origins;     // origins answered with CORS headers ("*" only without a key)
  std::map<std::string, std::string> voice_map;  // OpenAI voice name -> stored reference id
  std::size_t max_text_length = 20000;   // characters (code points); 0 = unlimited (upstream's default)
  std::size_t max_queue = 4;             // requests waiting for the worker beyond the running one
  HttpLimits http;                       // body, head and connection limits, deadlines
  double max_reference_seconds = 60.0;   // per uploaded reference / vqgan audio
  double max_request_audio_seconds = 300.0;  // all uploaded audio of one request together
  int max_decode_frames = 12920;         // /v1/vqgan/decode, all items together (10 min at 21.5 frames/s)
  int max_request_frames = 32768;        // generated per synthesis (~25 min of audio); more ends it with 422
  double max_request_seconds = 1800.0;   // wall clock per synthesis on the worker; longer ends it with 503
  std::size_t max_stream_chunks = 16;    // audio chunks buffered for a slow reader before the worker waits
  std::size_t max_references = 1000;     // stored reference voices; adding one more is a 507
  std::chrono::milliseconds shutdown_grace{10'000};  // stop(): the running synthesis may finish for this long
  std::filesystem::path references_dir;  // empty = ReferenceStore::default_root()
  int stream_first_chunk_frames = 4;     // streaming: small first chunk (audio starts early), then
  int stream_chunk_frames = 8;           // ~0.37 s chunks
};

struct ServerContext;

class Server {
 public:
  Server(std::shared_ptr<const pipeline::Engine> engine, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. Throws fishtts::Error(kIo) when the address cannot be bound.
  int bind();
  // Serves until stop() (from another thread or a signal handler thread).
  void run();
  void stop();

 private:
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<HttpListener> listener_;  // after context_: destroyed first, so no connection outlives the routes
};

}  // namespace fishtts::server
