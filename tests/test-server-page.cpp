// The web page's routes without a browser: GET / and its files (types, CSP, open with --api-key while the API
// stays closed) and /v1/ui/config, whose defaults and ranges must be exactly what /v1/tts accepts.
// The page itself runs in chromium in tests/browser/ (ctest -L browser).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "http_error.h"
#include "request_body.h"
#include "support/test_server.h"
#include "tts_request.h"

namespace {

using fishtts::test::TestServer;
using nlohmann::json;

TEST(ServerPage, ServesThePageAndItsFilesWithTypesAndPolicy) {
  TestServer server;
  httplib::Client c = server.client();
  const struct {
    const char* path;
    const char* type;
    const char* contains;
  } files[] = {{"/", "text/html", "<script type=\"module\" src=\"page.js\""},
               {"/page.js", "text/javascript", "v1/ui/config"},
               {"/wav.js", "text/javascript", "export function parseWavHeader"},
               {"/stream-player.js", "text/javascript", "export class StreamPlayer"},
               {"/page.css", "text/css", "@media"},
               {"/icon.svg", "image/svg+xml", "<svg"}};
  for (const auto& f : files) {
    SCOPED_TRACE(f.path);
    auto res = c.Get(f.path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type").rfind(f.type, 0), 0u) << res->get_header_value("Content-Type");
    EXPECT_NE(res->body.find(f.contains), std::string::npos);
    const std::string csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("http"), std::string::npos) << csp;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  // Only those names: a near miss of the regex route (the dot) is a 404.
  EXPECT_EQ(c.Get("/pagexjs")->status, 404);
}

TEST(ServerPage, PageIsOpenWithAnApiKeyButTheApiIsNot) {
  fishtts::server::ServerOptions options;
  options.api_key = "secret";
  options.max_text_length = 321;
  TestServer server(options);
  httplib::Client c = server.client();
  for (const char* path : {"/", "/index.html", "/page.js", "/wav.js", "/page.css", "/icon.svg", "/v1/ui/config"}) {
    EXPECT_EQ(c.Get(path)->status, 200) << path;
  }
  EXPECT_EQ(c.Get("/v1/references/list")->status, 401);
  EXPECT_EQ(c.Get("/v1/references/list", {{"Authorization", "Bearer secret"}})->status, 200);
  const auto post = c.Post("/", "x", "text/plain");  // only GET is open
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");

  const json config = json::parse(c.Get("/v1/ui/config")->body);
  EXPECT_EQ(config["api_key_required"], true);
  EXPECT_EQ(config["max_text_length"], 321);
  EXPECT_EQ(config["sample_rate"], 44100);
  EXPECT_EQ(config.dump().find("secret"), std::string::npos);
}

fishtts::server::TtsRequest parse(const json& body) {
  return fishtts::server::parse_tts_request(
      fishtts::server::parse_request_body("application/json", body.dump()));
}

int status_of(const json& body) {
  try {
    parse(body);
  } catch (const fishtts::server::HttpError& e) {
    return e.status();
  }
  return 0;
}

TEST(ServerPage, ConfigDefaultsAndRangesAreWhatTtsAccepts) {
  TestServer server;
  const json config = json::parse(server.client().Get("/v1/ui/config")->body);
  EXPECT_EQ(config["api_key_required"], false);
  EXPECT_EQ(config["max_text_length"], fishtts::server::ServerOptions{}.max_text_length);  // 20,000 by default
  const json& fields = config["fields"];

  const fishtts::server::TtsRequest defaults = parse({{"text", "x"}});
  EXPECT_FLOAT_EQ(fields["temperature"]["default"].get<float>(), defaults.generation.sampling.temperature);
  EXPECT_FLOAT_EQ(fields["top_p"]["default"].get<float>(), defaults.generation.sampling.top_p);
  EXPECT_FLOAT_EQ(fields["repetition_penalty"]["default"].get<float>(), defaults.generation.sampling.repetition_penalty);
  EXPECT_EQ(fields["max_new_tokens"]["default"].get<int>(), defaults.generation.max_new_tokens);
  EXPECT_EQ(fields["chunk_length"]["default"], 200);
  EXPECT_EQ(fields["chunk_length"]["min"], 100);
  EXPECT_EQ(fields["chunk_length"]["max"], 300);

  // Both ends of every sampling range are accepted, and a step past either end is refused.
  for (const char* name : {"temperature", "top_p", "repetition_penalty", "max_new_tokens"}) {
    SCOPED_TRACE(name);
    const double min = fields[name]["min"], max = fields[name]["max"];
    const bool integral = std::string(name) == "max_new_tokens";
    const double step = integral ? 1.0 : 0.001;
    auto body = [&](double v) { return integral ? json{{"text", "x"}, {name, static_cast<int64_t>(v)}} : json{{"text", "x"}, {name, v}}; };
    EXPECT_EQ(status_of(body(min)), 0);
    EXPECT_EQ(status_of(body(max)), 0);
    EXPECT_EQ(status_of(body(min - step)), 422);
    EXPECT_EQ(status_of(body(max + step)), 422);
  }
}

}  // namespace
