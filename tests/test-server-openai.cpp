// OpenAI clients' setup calls: a voice map from OpenAI voice names to stored references, CORS for browser apps
// on another origin (preflights answered before auth), and the reference routes' JSON spellings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "common/error.h"
#include "support/raw_connection.h"
#include "support/test_server.h"

namespace {

using fishtts::test::RawConnection;
using fishtts::test::status_of_answer;
using fishtts::test::TestServer;
using nlohmann::json;
using namespace std::chrono_literals;

void add_reference(httplib::Client& c, const std::string& id) {
  const std::vector<std::uint8_t> wav =
      fishtts::audio::encode_audio(std::vector<float>(8820, 0.1f), 44100, fishtts::audio::AudioFormat::kWav);
  httplib::MultipartFormDataItems form = {
      {"id", id, "", ""}, {"text", "Hello.", "", ""}, {"audio", std::string(wav.begin(), wav.end()), "a.wav", ""}};
  auto r = c.Post("/v1/references/add?format=application/json", form);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");  // upstream HEAD's spelling selects JSON
}

TEST(ServerOpenAi, AVoiceMapSpeaksOpenAiNamesWithStoredReferences) {
  fishtts::server::ServerOptions o;
  o.voice_map = {{"alloy", "narrator"}, {"echo", "missing"}};
  TestServer server(o);
  auto c = server.client();
  add_reference(c, "narrator");
  const auto speak = [&](const std::string& voice) {
    const json body = {{"input", "Hello world."}, {"voice", voice}, {"response_format", "wav"}, {"stream", false},
                       {"seed", 7}, {"max_new_tokens", 8}};
    return c.Post("/v1/audio/speech", body.dump(), "application/json");
  };
  auto mapped = speak("alloy");
  auto direct = speak("narrator");
  auto plain = speak("nova");
  ASSERT_TRUE(mapped && direct && plain);
  ASSERT_EQ(mapped->status, 200) << mapped->body;
  EXPECT_TRUE(mapped->body == direct->body);  // alloy is the narrator
  EXPECT_FALSE(mapped->body == plain->body);  // nova is the default voice
  EXPECT_EQ(plain->get_header_value("X-Fishtts-Voice"), "default");
  auto broken = speak("echo");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 404);
  EXPECT_NE(broken->body.find("--voice-map"), std::string::npos) << broken->body;
  const json voices = json::parse(c.Get("/v1/audio/voices")->body)["voices"];
  EXPECT_NE(voices.dump().find("\"alloy\""), std::string::npos) << voices.dump();
}

TEST(ServerOpenAi, CorsOriginsGetPreflightsBeforeAuthAndHeadersOnAnswers) {
  fishtts::server::ServerOptions o;
  o.api_key = "k";
  o.cors_origins = {"https://app.example"};
  TestServer server(o);
  RawConnection preflight(server.port());
  preflight.send("OPTIONS /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n"
                 "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization, content-type\r\n"
                 "Connection: close\r\n\r\n");
  const std::string answer = preflight.read(3s);
  EXPECT_EQ(status_of_answer(answer), 204) << answer;
  EXPECT_NE(answer.find("Access-Control-Allow-Origin: https://app.example"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Authorization"), std::string::npos);

  auto c = server.client();
  auto listed = c.Get("/v1/models", {{"Origin", "https://app.example"}, {"Authorization", "Bearer k"}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_EQ(listed->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(listed->get_header_value("Access-Control-Expose-Headers").find("X-Fishtts-Voice"), std::string::npos);
  auto unkeyed = c.Get("/v1/models", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(unkeyed);
  EXPECT_EQ(unkeyed->status, 401);  // CORS opens the browser's door, the key still decides
  EXPECT_EQ(unkeyed->get_header_value("Access-Control-Allow-Origin"), "https://app.example");  // so it can read why
  auto other = c.Get("/v1/models", {{"Origin", "https://other.example"}, {"Authorization", "Bearer k"}});
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->get_header_value("Access-Control-Allow-Origin").empty());

  fishtts::server::ServerOptions any = o;
  any.cors_origins = {"*"};
  try {
    TestServer refused(any);
    ADD_FAILURE() << "a key with --cors-origin * was accepted";
  } catch (const fishtts::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--cors-origin"), std::string::npos) << e.what();
  }
}

TEST(ServerOpenAi, WithoutAKeyACorsOriginIsAlsoAnAllowedOrigin) {
  fishtts::server::ServerOptions o;
  o.cors_origins = {"https://app.example"};
  TestServer server(o);
  auto c = server.client();
  auto r = c.Get("/v1/models", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto other = c.Get("/v1/models", {{"Origin", "https://other.example"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
}

}  // namespace
