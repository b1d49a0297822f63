// `fishtts serve` under bad input and load: every malformed request gets a 4xx JSON envelope, the API key
// guards every route but health, a full queue answers 503, and a client that hangs up frees the worker.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "support/test_server.h"

namespace {

using fishtts::test::TestServer;
using nlohmann::json;
using namespace std::chrono_literals;

TestServer& shared_server() { return fishtts::test::shared_test_server(); }

void expect_envelope(const httplib::Result& res, int status, const std::string& needle = "") {
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json e = json::parse(res->body, nullptr, false);
  ASSERT_TRUE(e.is_object()) << res->body;
  EXPECT_EQ(e.value("statusCode", 0), status) << res->body;
  EXPECT_TRUE(e.contains("error") && e["error"].is_string()) << res->body;
  ASSERT_TRUE(e.contains("message") && e["message"].is_string()) << res->body;
  if (!needle.empty()) EXPECT_NE(e["message"].get<std::string>().find(needle), std::string::npos) << res->body;
}

httplib::Result post_json(httplib::Client& c, const json& body) { return c.Post("/v1/tts", body.dump(), "application/json"); }

// Polls /metrics until `line` appears (bounded).
bool wait_for_metric(httplib::Client& c, const std::string& line, std::chrono::milliseconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    auto m = c.Get("/metrics");
    if (m && m->body.find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(ServerRobustness, MalformedBodiesAre4xxWithTheEnvelope) {
  auto c = shared_server().client();
  expect_envelope(c.Post("/v1/tts", "{\"text\": ", "application/json"), 400, "JSON");
  expect_envelope(c.Post("/v1/tts", std::string("\xc1\xff\x00", 3), "application/msgpack"), 400, "msgpack");
  expect_envelope(c.Post("/v1/tts", "[1, 2]", "application/json"), 400, "object");
  expect_envelope(c.Post("/v1/tts", "text=hi", "application/x-www-form-urlencoded"), 415, "application/msgpack");
  auto no_type = c.Post("/v1/tts", "{}", "text/plain");
  expect_envelope(no_type, 415);
}

// A million levels once crashed the server (recursive msgpack conversion; dump() of a bad field's value).
TEST(ServerRobustness, DeeplyNestedBodiesAre400AndTheServerLives) {
  auto c = shared_server().client();
  const std::size_t levels = 1000000;
  const std::string deep_json = "{\"text\": \"Hi.\", \"normalize\": " + std::string(levels, '[') + std::string(levels, ']') + "}";
  expect_envelope(c.Post("/v1/tts", deep_json, "application/json"), 400, "64 levels");
  std::string deep_msgpack(1, '\x81');  // a map of one entry whose value nests a million one-element arrays
  deep_msgpack += std::string("\xa9normalize", 10) + std::string(levels, '\x91') + '\xc0';
  expect_envelope(c.Post("/v1/tts", deep_msgpack, "application/msgpack"), 400, "64 levels");
  // Within the limit, a wrong-typed nested value is named by its type, not printed.
  const std::string nested = "{\"text\": \"Hi.\", \"normalize\": " + std::string(60, '[') + std::string(60, ']') + "}";
  auto res = c.Post("/v1/tts", nested, "application/json");
  expect_envelope(res, 422, "an array");
  EXPECT_EQ(res->body.find("[["), std::string::npos) << res->body;
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServerRobustness, InlineReferencesHaveBudgets) {
  auto c = shared_server().client();
  const json one = {{"audio", "AAAA"}, {"text", "Hi."}};
  expect_envelope(post_json(c, json{{"text", "Hi."}, {"references", json::array({one, one, one, one, one, one, one, one, one})}}), 400,
                  "9 inline references, more than the limit of 8");
  const json long_text = {{"audio", "AAAA"}, {"text", std::string(2001, 'a')}};
  expect_envelope(post_json(c, json{{"text", "Hi."}, {"references", json::array({long_text})}}), 400, "limit of 2000");
}

TEST(ServerRobustness, FieldValidationFollowsTheSchema) {
  auto c = shared_server().client();
  const json ok = {{"text", "Hi."}, {"max_new_tokens", 2}, {"seed", 1}};
  auto with = [&](const std::string& key, const json& value) {
    json b = ok;
    b[key] = value;
    return b;
  };
  expect_envelope(post_json(c, json{{"max_new_tokens", 2}}), 422, "'text'");
  expect_envelope(post_json(c, with("text", 42)), 422, "'text'");
  expect_envelope(post_json(c, with("temperature", 1.5)), 422, "temperature");
  expect_envelope(post_json(c, with("temperature", 0.05)), 422, "temperature");
  expect_envelope(post_json(c, with("temperature", "0.5")), 422, "temperature");  // strict: no strings
  expect_envelope(post_json(c, with("top_p", true)), 422, "top_p");               // strict: no booleans
  expect_envelope(post_json(c, with("repetition_penalty", 2.5)), 422, "repetition_penalty");
  expect_envelope(post_json(c, with("max_new_tokens", "many")), 422, "max_new_tokens");
  expect_envelope(post_json(c, with("max_new_tokens", -1)), 422, "max_new_tokens");
  expect_envelope(post_json(c, with("seed", 1.5)), 422, "seed");
  expect_envelope(post_json(c, with("format", "ogg")), 422, "format");
  expect_envelope(post_json(c, with("streaming", "perhaps")), 422, "streaming");
  expect_envelope(post_json(c, with("use_memory_cache", "maybe")), 422, "use_memory_cache");
  expect_envelope(post_json(c, with("references", "nope")), 422, "references");
  expect_envelope(post_json(c, with("references", json::array({{{"text", "t"}}}))), 422, "audio");
  expect_envelope(post_json(c, with("references", json::array({{{"audio", "!!!!"}, {"text", "t"}}}))), 422, "base64");
  // Decodable base64 that is not audio: 400 from the audio decoder.
  expect_envelope(post_json(c, with("references", json::array({{{"audio", "aGVsbG8gd29ybGQh"}, {"text", "t"}}}))), 400);
  json opus_at_44k = with("sample_rate", 44100);
  opus_at_44k["format"] = "opus";
  expect_envelope(post_json(c, opus_at_44k), 422, "sample_rate");  // Opus has no 44.1 kHz
  // Accepted as upstream does: integral numbers for floats, lax chunk_length, unknown fields.
  auto lax = post_json(c, json{{"text", "Hi."}, {"max_new_tokens", 2}, {"seed", 1}, {"temperature", 1},
                               {"chunk_length", "150"}, {"latency", "normal"}});
  ASSERT_TRUE(lax);
  EXPECT_EQ(lax->status, 200) << lax->body;
}

TEST(ServerRobustness, ReferenceIdsAreCheckedBeforeTouchingTheDisk) {
  auto c = shared_server().client();
  const json base = {{"text", "Hi."}, {"max_new_tokens", 2}};
  auto with_id = [&](const std::string& id) {
    json b = base;
    b["reference_id"] = id;
    return b;
  };
  auto missing = post_json(c, with_id("nobody"));
  expect_envelope(missing, 404, "nobody");
  // The server's own folders are not shown to clients.
  EXPECT_EQ(missing->body.find(shared_server().references_dir().filename().string()), std::string::npos) << missing->body;
  for (const std::string& trick : std::vector<std::string>{"../etc", "a/b", "..", "/abs", std::string("a\0b", 3), std::string(300, 'x')}) {
    auto res = post_json(c, with_id(trick));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
  }
  httplib::Request del;
  del.method = "DELETE";
  del.path = "/v1/references/delete";
  del.body = json{{"reference_id", "../../x"}}.dump();
  del.set_header("Content-Type", "application/json");
  expect_envelope(c.send(del), 400);
  httplib::MultipartFormDataItems add = {{"id", "../up", "", ""}, {"text", "t", "", ""}, {"audio", "RIFF", "a.wav", ""}};
  expect_envelope(c.Post("/v1/references/add", add), 400);
}

TEST(ServerRobustness, LimitsOnTextAndBodySize) {
  fishtts::server::ServerOptions o;
  o.max_text_length = 10;
  o.http.max_body_bytes = 4096;
  TestServer server(o);
  auto c = server.client();
  expect_envelope(post_json(c, json{{"text", "This text is too long."}}), 400, "limit");
  // Ten characters in 20 bytes are within a limit of 10.
  auto accented = post_json(c, json{{"text", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}, {"max_new_tokens", 2}});
  ASSERT_TRUE(accented);
  EXPECT_EQ(accented->status, 200) << accented->body;
  expect_envelope(c.Post("/v1/tts", json{{"text", std::string(8000, 'a')}}.dump(), "application/json"), 413);
  // The default limit is 20,000 characters.
  auto shared = shared_server().client();
  expect_envelope(post_json(shared, json{{"text", std::string(20001, 'a')}}), 400, "20000");
}

std::vector<std::uint8_t> silence_wav(double seconds) {
  const std::vector<float> samples(static_cast<std::size_t>(seconds * 44100), 0.0f);
  return fishtts::audio::encode_audio(samples, 44100, fishtts::audio::AudioFormat::kWav);
}

TEST(ServerRobustness, LimitsOnUploadedAudioAndDecodedFrames) {
  fishtts::server::ServerOptions o;
  o.max_reference_seconds = 1.0;
  o.max_request_audio_seconds = 1.5;
  o.max_decode_frames = 30;
  TestServer server(o);
  auto c = server.client();
  auto tts_with = [&](std::vector<double> lengths) {
    json refs = json::array();
    for (double s : lengths) refs.push_back({{"audio", json::binary(silence_wav(s))}, {"text", "t"}});
    const std::vector<std::uint8_t> body = json::to_msgpack({{"text", "Hi."}, {"max_new_tokens", 2}, {"references", refs}});
    return c.Post("/v1/tts", std::string(body.begin(), body.end()), "application/msgpack");
  };
  expect_envelope(tts_with({2.0}), 400);            // one file too long
  expect_envelope(tts_with({0.9, 0.9}), 400);       // together too long
  EXPECT_EQ(tts_with({0.5, 0.5})->status, 200);
  auto decode_frames = [&](std::size_t frames) {
    const json row(std::vector<int>(frames, 1));
    const std::vector<std::uint8_t> body = json::to_msgpack({{"tokens", json::array({json::array({row, row, row, row, row, row, row, row, row, row})})}});
    return c.Post("/v1/vqgan/decode", std::string(body.begin(), body.end()), "application/msgpack");
  };
  EXPECT_EQ(decode_frames(20)->status, 200);
  expect_envelope(decode_frames(31), 400, "frames");
  const std::vector<std::uint8_t> garbage = json::to_msgpack({{"audios", json::array({json::binary({1, 2, 3})})}});
  expect_envelope(c.Post("/v1/vqgan/encode", std::string(garbage.begin(), garbage.end()), "application/msgpack"), 400);
}

TEST(ServerRobustness, ApiKeyGuardsEveryRouteButHealth) {
  fishtts::server::ServerOptions o;
  o.api_key = "s3cret";
  TestServer server(o);
  auto c = server.client();
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  for (const httplib::Headers& h : {httplib::Headers{}, httplib::Headers{{"Authorization", "Bearer wrong"}},
                                    httplib::Headers{{"Authorization", "Basic s3cret"}},
                                    httplib::Headers{{"Authorization", "Bearer s3cret2"}}}) {
    auto res = c.Get("/metrics", h);
    expect_envelope(res, 401);
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
    expect_envelope(c.Post("/v1/tts", h, json{{"text", "Hi."}, {"max_new_tokens", 2}}.dump(), "application/json"), 401);
  }
  const httplib::Headers good = {{"Authorization", "Bearer s3cret"}};
  EXPECT_EQ(c.Get("/metrics", good)->status, 200);
  EXPECT_EQ(c.Post("/v1/tts", good, json{{"text", "Hi."}, {"max_new_tokens", 2}}.dump(), "application/json")->status, 200);
}

// A long streaming synthesis whose reader stops after the first bytes, on its own connection.
std::future<void> start_abandoned_stream(const TestServer& server, std::atomic<bool>& got_audio) {
  return std::async(std::launch::async, [&server, &got_audio] {
    auto c = server.client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/tts";
    req.body = json{{"text", "A long one."}, {"max_new_tokens", 0}, {"seed", 3}, {"streaming", true},
                    {"repetition_penalty", 2.0}}.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, std::size_t, uint64_t, uint64_t) {
      got_audio = true;
      return false;  // hang up
    };
    c.send(req);
  });
}

TEST(ServerRobustness, ClientDisconnectCancelsItsSynthesis) {
  TestServer server;
  auto c = server.client();
  std::atomic<bool> got_audio{false};
  start_abandoned_stream(server, got_audio).get();
  EXPECT_TRUE(got_audio);
  // max_new_tokens 0 runs to the end of the context: thousands of frames. Cancelled, the worker is free quickly.
  EXPECT_TRUE(wait_for_metric(c, "fishtts_syntheses_cancelled_total 1\n", 10s));
  EXPECT_TRUE(wait_for_metric(c, "fishtts_worker_busy 0\n", 5s));
  auto next = post_json(c, json{{"text", "Hi."}, {"max_new_tokens", 2}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(ServerRobustness, AFullQueueAnswers503WithRetryAfter) {
  fishtts::server::ServerOptions o;
  o.max_queue = 1;
  TestServer server(o);
  auto c = server.client();

  // A: a slow streaming request holds the worker.
  auto a = std::async(std::launch::async, [&server] {
    auto ca = server.client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/tts";
    req.body = json{{"text", "Slow."}, {"max_new_tokens", 0}, {"seed", 3}, {"streaming", true}}.dump();
    req.set_header("Content-Type", "application/json");
    const auto end = std::chrono::steady_clock::now() + 3s;
    req.content_receiver = [&](const char*, std::size_t, uint64_t, uint64_t) {
      return std::chrono::steady_clock::now() < end;  // then hang up
    };
    ca.send(req);
  });
  ASSERT_TRUE(wait_for_metric(c, "fishtts_worker_busy 1\n", 10s));
  // B waits in the queue.
  auto b = std::async(std::launch::async, [&server] {
    auto cb = server.client();
    return cb.Post("/v1/tts", json{{"text", "Hi."}, {"max_new_tokens", 2}}.dump(), "application/json");
  });
  ASSERT_TRUE(wait_for_metric(c, "fishtts_queue_waiting 1\n", 10s));
  // C finds the queue full.
  auto full = post_json(c, json{{"text", "Hi."}, {"max_new_tokens", 2}});
  expect_envelope(full, 503, "busy");
  EXPECT_EQ(full->get_header_value("Retry-After"), "1");
  a.get();
  auto b_res = b.get();
  ASSERT_TRUE(b_res);
  EXPECT_EQ(b_res->status, 200);  // accepted requests complete
}

long resident_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * ::sysconf(_SC_PAGESIZE);
}

// 8 clients x 6 requests (plain, streamed, malformed, abandoned): no 5xx but 503, every accepted request
// completes, the worker ends idle, and resident memory does not grow with the request count.
TEST(ServerRobustness, BoundedLoadFromEightClients) {
  fishtts::server::ServerOptions o;
  o.max_queue = 3;
  TestServer server(o);
  auto c = server.client();
  const json plain = {{"text", "Load."}, {"max_new_tokens", 4}, {"seed", 5}};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post_json(c, plain)->status, 200);  // warm-up: sessions, arenas
  const long rss_before = resident_bytes();

  std::atomic<int> ok{0}, busy{0}, rejected{0}, unexpected{0}, lost{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      auto cl = server.client();
      for (int i = 0; i < 6; ++i) {
        const int kind = (t + i) % 4;
        if (kind == 3) {  // a stream abandoned after its first bytes
          httplib::Request req;
          req.method = "POST";
          req.path = "/v1/tts";
          req.body = json{{"text", "Gone."}, {"max_new_tokens", 40}, {"streaming", true}}.dump();
          req.set_header("Content-Type", "application/json");
          req.content_receiver = [&](const char*, std::size_t, uint64_t, uint64_t) { return false; };
          auto r = cl.send(req);
          if (r && r->status >= 500 && r->status != 503) ++unexpected;
          continue;
        }
        json body = plain;
        if (kind == 1) body["streaming"] = true;
        auto r = kind == 2 ? cl.Post("/v1/tts", "{\"text\": 1", "application/json") : post_json(cl, body);
        if (!r) {
          ++lost;
        } else if (r->status == 200) {
          ++ok;
        } else if (r->status == 503) {
          ++busy;
        } else if (r->status >= 400 && r->status < 500) {
          ++rejected;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& th : clients) th.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(rejected, 12);  // every malformed body, none lost to the queue
  EXPECT_TRUE(wait_for_metric(c, "fishtts_worker_busy 0\n", 10s));
  EXPECT_TRUE(wait_for_metric(c, "fishtts_queue_waiting 0\n", 1s));
  ASSERT_EQ(post_json(c, plain)->status, 200);
  const long growth = resident_bytes() - rss_before;
  EXPECT_LT(growth, 64l << 20) << "resident memory grew by " << growth << " bytes";
  std::printf("load: %d ok, %d busy (503), %d rejected, RSS %+ld KiB\n", ok.load(), busy.load(), rejected.load(),
              growth / 1024);
}

}  // namespace
