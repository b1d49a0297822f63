// `fishtts serve`: the HTTP API (tools/fishtts/server/). Loads the model once, binds, serves until SIGINT or
// SIGTERM, then stops accepting, lets the running synthesis finish and answers waiting ones with 503.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/error.h"
#include "model_args.h"
#include "pipeline/engine.h"
#include "pipeline/synthesis.h"
#include "progress.h"
#include "server/server.h"

namespace fishtts::cli {
namespace {

struct ServeOptions {
  ModelArgs model;
  std::string listen = "127.0.0.1:8080";
  server::ServerOptions server;
  std::size_t max_body_mb = 64;
  std::vector<std::string> voice_map;
  double head_timeout_s = 10, body_timeout_s = 300, write_timeout_s = 60, shutdown_grace_s = 10;
  std::string api_key_file;
};

// The key from a file keeps it out of /proc/PID/cmdline; one trailing newline (as `echo` writes) is dropped.
std::string read_api_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "--api-key-file: cannot read " + path);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.empty()) throw Error(ErrorCode::kInvalidArgument, "--api-key-file: " + path + " is empty");
  return key;
}

void split_listen(const std::string& listen, server::ServerOptions& out) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw Error(ErrorCode::kInvalidArgument, "--listen '" + listen + "': expected HOST:PORT, e.g. 127.0.0.1:8080");
  }
  out.host = listen.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') out.host = out.host.substr(1, out.host.size() - 2);
  try {
    std::size_t used = 0;
    const int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
    out.port = port;
  } catch (const std::exception&) {
    throw Error(ErrorCode::kInvalidArgument, "--listen '" + listen + "': the port must be a number in [0, 65535]");
  }
}

// One short synthesis before listening, as upstream does: the first request then does not pay for ORT's
// first-run allocations.
void warm_up(const std::shared_ptr<const pipeline::Engine>& engine, Progress& progress) {
  pipeline::SynthesisRequest request;
  request.text = "Hello world.";
  request.generation.max_new_tokens = 4;
  request.generation.sampling.greedy = true;
  pipeline::Synthesis synthesis(engine, std::move(request));
  pipeline::AudioChunk chunk;
  while (synthesis.next(chunk)) {
  }
  char line[96];
  std::snprintf(line, sizeof line, "warmed up in %.0f ms", synthesis.metrics().total_ms);
  progress.line(line);
}

// --voice-map entries: NAME=ID, or a JSON file holding an object of names to ids.
std::map<std::string, std::string> parse_voice_map(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> map;
  for (const std::string& entry : entries) {
    if (const std::size_t eq = entry.find('='); eq != std::string::npos) {
      if (eq == 0 || eq + 1 == entry.size()) throw CLI::ValidationError("--voice-map", "expected NAME=REFERENCE_ID: " + entry);
      map[entry.substr(0, eq)] = entry.substr(eq + 1);
      continue;
    }
    std::ifstream in(entry);
    if (!in) throw CLI::ValidationError("--voice-map", "not NAME=ID and no such file: " + entry);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) throw CLI::ValidationError("--voice-map", entry + ": expected a JSON object of names to ids");
    for (const auto& [name, id] : j.items()) {
      if (!id.is_string()) throw CLI::ValidationError("--voice-map", entry + ": voice '" + name + "' is not a string id");
      map[name] = id.get<std::string>();
    }
  }
  return map;
}

void run(ServeOptions& opt) {
  // Many connection threads, each with its own glibc arena, would each keep the high-water mark of the largest
  // answer it built (measured: +75 MB between a third and the end of a 30 s hostile load, stable with 2 arenas).
  ::mallopt(M_ARENA_MAX, 2);
  split_listen(opt.listen, opt.server);
  opt.server.http.max_body_bytes = opt.max_body_mb << 20;
  const auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<long long>(seconds * 1000)); };
  opt.server.http.head_timeout = ms(opt.head_timeout_s);
  opt.server.http.body_timeout = ms(opt.body_timeout_s);
  opt.server.http.write_timeout = ms(opt.write_timeout_s);
  opt.server.shutdown_grace = ms(opt.shutdown_grace_s);
  if (!opt.api_key_file.empty()) opt.server.api_key = read_api_key_file(opt.api_key_file);
  opt.server.voice_map = parse_voice_map(opt.voice_map);

  // Signals go to one waiting thread (blocked everywhere else, before any thread starts).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Progress progress(false);
  auto engine = pipeline::Engine::create(opt.model.engine_params(), [&](const std::string& l) { progress.line(l); });
  for (const std::string& w : engine->load_info().warnings) progress.line("warning: " + w);
  if (engine->load_info().demo_model) progress.line("warning: no --model: serving the demo model (random weights, noise)");

  warm_up(engine, progress);

  server::Server http(engine, opt.server);
  const int port = http.bind();
  std::fprintf(stderr, "fishtts serve: listening on http://%s:%d (%s)\n", opt.server.host.c_str(), port,
               opt.server.api_key.empty() ? "no API key" : "API key required");
  std::fflush(stderr);

  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stopping.exchange(true)) std::fprintf(stderr, "fishtts serve: stopping (signal %d)\n", sig);
    http.stop();
  });
  http.run();
  // run() also returns on a listen failure: wake the waiter so it can be joined.
  if (!stopping.exchange(true)) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "HTTP server: the Fish Speech API (/v1/tts, ...) and OpenAI /v1/audio/speech");
  cmd->add_option("--listen", opt->listen, "HOST:PORT to listen on (port 0 = any free port)");
  auto* key = cmd->add_option("--api-key", opt->server.api_key,
                              "Require 'Authorization: Bearer KEY' on every route but /v1/health")
                  ->envname("FISHTTS_API_KEY");
  cmd->add_option("--api-key-file", opt->api_key_file, "Read the API key from this file (not visible in ps)")
      ->excludes(key);
  cmd->add_option("--allowed-origin", opt->server.allowed_origins,
                  "Without --api-key, a web origin (e.g. http://my-app:3000) that may call the server besides "
                  "loopback ones; repeatable");
  cmd->add_option("--cors-origin", opt->server.cors_origins,
                  "Answer browser apps on this origin with CORS headers (repeatable; '*' = any, only without --api-key)");
  cmd->add_option("--voice-map", opt->voice_map,
                  "OpenAI voice NAME=REFERENCE_ID (repeatable), or a JSON file {\"alloy\": \"my-voice\", ...}");
  cmd->add_option("--max-text-length", opt->server.max_text_length, "Longest text in characters (default 20000; 0 = unlimited)");
  cmd->add_option("--max-queue", opt->server.max_queue, "Requests that may wait for the worker; more get 503")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-body-mb", opt->max_body_mb, "Largest request body in MiB")->check(CLI::Range(1, 4096));
  cmd->add_option("--max-connections", opt->server.http.max_connections,
                  "Connections served at once; one more gets 503 (default 32, at least --max-queue + 2)")
      ->check(CLI::Range(3, 4096));
  cmd->add_option("--head-timeout", opt->head_timeout_s, "Seconds a client has to send a request's head (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--body-timeout", opt->body_timeout_s, "Seconds a client has to send a request's body (default 300)")
      ->check(CLI::Range(0.1, 36000.0));
  cmd->add_option("--write-timeout", opt->write_timeout_s,
                  "Seconds one write of an answer may wait for a client that stopped reading (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-reference-seconds", opt->server.max_reference_seconds,
                  "Longest uploaded reference / vqgan audio")->check(CLI::Range(1.0, 3600.0));
  cmd->add_option("--max-request-audio-seconds", opt->server.max_request_audio_seconds,
                  "All uploaded audio of one request together")->check(CLI::Range(1.0, 36000.0));
  cmd->add_option("--max-request-frames", opt->server.max_request_frames,
                  "Frames one synthesis may generate (default 32768, ~25 min of audio); more ends it with 422")
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--max-request-seconds", opt->server.max_request_seconds,
                  "Wall-clock seconds one synthesis may run (default 1800); longer ends it with 503")
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--max-references", opt->server.max_references, "Stored reference voices (default 1000); more is 507")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--shutdown-grace", opt->shutdown_grace_s,
                  "On SIGTERM, seconds the running synthesis may finish before it is cancelled (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--references-dir", opt->server.references_dir,
                  "Reference voices folder (default: $FISHTTS_REFERENCES_DIR or the cache's references/)");
  opt->model.add_to(cmd, /*required=*/false);
  cmd->callback([opt] { run(*opt); });
}

}  // namespace fishtts::cli
