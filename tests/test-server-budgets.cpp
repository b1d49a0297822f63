// Per-request budgets of `fishtts serve`: a synthesis cannot outgrow its frame or time limit, a client that
// leaves stops its synthesis even when it asked for a whole file, the reference store has a cap, stop() cancels
// the running synthesis after its grace period, and the audio channel to a slow reader is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "chunk_channel.h"
#include "support/raw_connection.h"
#include "support/test_server.h"

namespace {

using fishtts::test::RawConnection;
using fishtts::test::TestServer;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// max_new_tokens 0 runs to the end of the context: thousands of frames, many seconds on the tiny model.
const json kLongRequest = {{"text", "A long one."}, {"max_new_tokens", 0}, {"seed", 3}, {"repetition_penalty", 2.0}};

bool wait_for_metric(httplib::Client& c, const std::string& line, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    auto m = c.Get("/metrics");
    if (m && m->body.find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(ServerBudgets, AWholeFileRequestIsCancelledWhenItsClientLeaves) {
  TestServer server;
  auto c = server.client();
  {
    RawConnection raw(server.port());
    const std::string body = kLongRequest.dump();
    raw.send("POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body);
    ASSERT_TRUE(wait_for_metric(c, "fishtts_worker_busy 1\n", 10s));
  }  // hangs up without reading
  EXPECT_TRUE(wait_for_metric(c, "fishtts_syntheses_cancelled_total 1\n", 5s));
  EXPECT_TRUE(wait_for_metric(c, "fishtts_worker_busy 0\n", 5s));
}

TEST(ServerBudgets, FramesAndWallClockPerSynthesisAreBounded) {
  fishtts::server::ServerOptions o;
  o.max_request_frames = 20;
  TestServer frames(o);
  auto c = frames.client();
  auto r = c.Post("/v1/tts", kLongRequest.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_NE(r->body.find("--max-request-frames"), std::string::npos) << r->body;

  o = {};
  o.max_request_seconds = 0.5;
  TestServer slow(o);
  auto s = slow.client();
  const auto start = Clock::now();
  r = s.Post("/v1/tts", kLongRequest.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_NE(r->body.find("--max-request-seconds"), std::string::npos) << r->body;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(ServerBudgets, TheReferenceStoreHasACap) {
  fishtts::server::ServerOptions o;
  o.max_references = 1;
  TestServer server(o);
  auto c = server.client();
  const std::vector<std::uint8_t> wav =
      fishtts::audio::encode_audio(std::vector<float>(4410, 0.1f), 44100, fishtts::audio::AudioFormat::kWav);
  const auto add = [&](const std::string& id) {
    httplib::MultipartFormDataItems form = {
        {"id", id, "", ""}, {"text", "Hello.", "", ""}, {"audio", std::string(wav.begin(), wav.end()), "a.wav", ""}};
    return c.Post("/v1/references/add?format=json", form);
  };
  auto first = add("one");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  auto second = add("two");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 507) << second->body;
  EXPECT_NE(second->body.find("--max-references"), std::string::npos);
  auto again = add("one");  // an id already stored is a conflict (upstream's answer), not a full store
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
}

TEST(ServerBudgets, StopCancelsTheRunningSynthesisAfterItsGrace) {
  fishtts::server::ServerOptions o;
  o.shutdown_grace = 300ms;
  auto server = std::make_unique<TestServer>(o);
  auto c = server->client();
  auto answer = std::async(std::launch::async, [&server] {
    auto a = server->client();
    return a.Post("/v1/tts", kLongRequest.dump(), "application/json");
  });
  ASSERT_TRUE(wait_for_metric(c, "fishtts_worker_busy 1\n", 10s));
  const auto start = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - start, 3s);  // the grace, then one model step
  auto r = answer.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_NE(r->body.find("shutting down"), std::string::npos) << r->body;
}

TEST(ServerBudgets, ReadinessFollowsTheQueue) {
  fishtts::server::ServerOptions o;
  o.max_queue = 1;
  o.api_key = "k";
  o.shutdown_grace = 100ms;
  auto server = std::make_unique<TestServer>(o);
  auto probe = server->client();  // probes need no key
  auto ready = probe.Get("/v1/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto c = server->client();
  c.set_bearer_token_auth("k");
  const auto post = [&server](const json& body) {
    return std::async(std::launch::async, [&server, body] {
      auto client = server->client();
      client.set_bearer_token_auth("k");
      return client.Post("/v1/tts", body.dump(), "application/json");
    });
  };
  auto running = post(kLongRequest);
  ASSERT_TRUE(wait_for_metric(c, "fishtts_worker_busy 1\n", 10s));
  auto waiting = post({{"text", "Hi."}, {"max_new_tokens", 2}});
  bool busy = false;
  for (int i = 0; i < 500 && !busy; ++i) {
    auto r = probe.Get("/v1/ready");
    busy = r && r->status == 503 && r->body.find("busy") != std::string::npos;
    if (!busy) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(busy);  // a full queue: the balancer should send elsewhere
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("fishtts_ready 0\n"), std::string::npos);
  server.reset();  // the running synthesis is cancelled after its grace, the waiting one answered 503
  auto r = running.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  waiting.get();
}

TEST(ServerBudgets, TheAudioChannelMakesTheWorkerWaitForASlowReader) {
  fishtts::server::ChunkChannel channel(2);
  std::atomic<int> pushed{0};
  std::thread worker([&] {
    for (int i = 0; i < 4; ++i) {
      if (!channel.push(std::vector<float>(10, 0.f))) return;
      ++pushed;
    }
    channel.finish({});
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pushed, 2);  // full: the third push waits
  std::vector<float> chunk;
  EXPECT_EQ(channel.pop(chunk), fishtts::server::ChunkChannel::Next::kChunk);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(pushed, 3);
  channel.cancel();  // a reader that leaves frees a waiting worker
  worker.join();
  EXPECT_EQ(pushed, 3);
}

}  // namespace
