// The HTTP layer's own limits (tools/fishtts/server/http/), tried with raw sockets as an attacker would send
// them: every refusal is the right status with the JSON envelope, arrives at once, and the server keeps
// answering /v1/health within a second while it happens.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_connection.h"
#include "origin_check.h"
#include "support/test_server.h"

namespace {

using fishtts::test::RawConnection;
using fishtts::test::status_of_answer;
using fishtts::test::TestServer;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kTtsBody = R"({"text":"hi","max_new_tokens":2})";

// One request on a fresh connection; the whole answer (the server closes after a refusal).
std::string exchange(int port, const std::string& request, std::chrono::milliseconds limit = 5s) {
  RawConnection c(port);
  EXPECT_TRUE(c.connected());
  c.send(request);
  return c.read(limit);
}

bool health_answers_within(const TestServer& server, std::chrono::milliseconds limit) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_connection_timeout(1);
  c.set_read_timeout(1);
  const auto start = Clock::now();
  const auto res = c.Get("/v1/health");
  return res && res->status == 200 && Clock::now() - start < limit;
}

// One chunk of a chunked body (RFC 9112 7.1): the size in hex, the bytes.
std::string chunk(const std::string& bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}

fishtts::server::ServerOptions small_limits() {
  fishtts::server::ServerOptions o;
  o.http.max_body_bytes = 4096;
  o.http.head_timeout = 600ms;
  o.http.body_idle_timeout = 300ms;
  return o;
}

TEST(ServerHttp, ChunkedBodiesAreJoinedAndCountTowardTheLimit) {
  TestServer server(small_limits());
  const std::string body = kTtsBody;
  const std::string ok = exchange(server.port(), "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                                     chunk(body.substr(0, 5)) + chunk(body.substr(5)) + "0\r\n\r\n");
  EXPECT_EQ(status_of_answer(ok), 200) << ok.substr(0, 300);

  std::string big = "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) big += chunk(std::string(2000, ' '));  // 6000 bytes in 3 chunks
  big += "0\r\n\r\n";
  const std::string refused = exchange(server.port(), big);
  EXPECT_EQ(status_of_answer(refused), 413) << refused.substr(0, 300);
  EXPECT_NE(refused.find("4096"), std::string::npos);
  EXPECT_TRUE(health_answers_within(server, 1s));
}

TEST(ServerHttp, ALyingContentLengthIs413AtOnce) {
  TestServer server(small_limits());
  const auto start = Clock::now();
  const std::string answer = exchange(
      server.port(), "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{");
  EXPECT_EQ(status_of_answer(answer), 413) << answer.substr(0, 300);
  EXPECT_LT(Clock::now() - start, 1500ms);  // no waiting for a petabyte
}

TEST(ServerHttp, CompressedBodiesAre415) {
  TestServer server(small_limits());
  const std::string answer =
      exchange(server.port(), "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                              "Content-Length: 4\r\n\r\nabcd");
  EXPECT_EQ(status_of_answer(answer), 415) << answer.substr(0, 300);
  EXPECT_NE(answer.find("uncompressed"), std::string::npos);
}

TEST(ServerHttp, TooManyOrTooLargeHeadersAre431) {
  TestServer server(small_limits());
  std::string many = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n";
  for (int i = 0; i < 150; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  const std::string a = exchange(server.port(), many + "\r\n");
  EXPECT_EQ(status_of_answer(a), 431) << a.substr(0, 300);
  EXPECT_NE(a.find("100 header fields"), std::string::npos);

  // 200,000 headers: refused once the head passes 16 KiB, whatever follows.
  RawConnection flood(server.port());
  flood.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n");
  std::string block;
  for (int i = 0; i < 2000; ++i) block += "X-Flood: y\r\n";
  for (int i = 0; i < 100 && flood.send(block); ++i) {
  }
  const std::string b = flood.read(3s);
  EXPECT_EQ(status_of_answer(b), 431) << b.substr(0, 300);
  EXPECT_TRUE(health_answers_within(server, 1s));
}

TEST(ServerHttp, SlowHeadsAreCutAtTheDeadlineAndDoNotBlockOthers) {
  TestServer server(small_limits());
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 12; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    slow.back()->send("POST /v1/tts HTTP/1.1\r\nHost: localhost\r\n");  // and never the rest
  }
  EXPECT_TRUE(health_answers_within(server, 1s));
  const auto start = Clock::now();
  for (auto& c : slow) {
    const std::string answer = c->read(3s);
    EXPECT_EQ(status_of_answer(answer), 408) << answer.substr(0, 200);
    EXPECT_TRUE(c->closed_by_server());
  }
  EXPECT_LT(Clock::now() - start, 2s);  // the 600 ms head deadline, not a 30 s read timeout
  // A body that stops arriving is cut too.
  const std::string stalled = exchange(
      server.port(), "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"te");
  EXPECT_EQ(status_of_answer(stalled), 408) << stalled.substr(0, 200);
}

TEST(ServerHttp, OneConnectionOverTheLimitGets503) {
  fishtts::server::ServerOptions o = small_limits();
  o.http.max_connections = 6;  // the smallest allowed with the default queue of 4
  o.http.head_timeout = 3s;
  TestServer server(o);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 6; ++i) idle.push_back(std::make_unique<RawConnection>(server.port()));
  std::this_thread::sleep_for(200ms);  // all six admitted
  const std::string answer = exchange(server.port(), "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n", 3s);
  EXPECT_EQ(status_of_answer(answer), 503) << answer.substr(0, 300);
  EXPECT_NE(answer.find("too many connections"), std::string::npos);
  idle.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(health_answers_within(server, 1s));
}

TEST(ServerHttp, BodiesOfAllConnectionsShareOneBudget) {
  fishtts::server::ServerOptions o = small_limits();
  o.http.body_idle_timeout = 3s;
  o.http.max_body_bytes_in_flight = 6000;
  TestServer server(o);
  const std::string head = "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                           "Content-Length: 4000\r\nConnection: close\r\n\r\n";
  RawConnection first(server.port());
  first.send(head + "{\"te");  // holds 4000 bytes of the budget while its body arrives
  std::this_thread::sleep_for(200ms);
  const std::string second = exchange(server.port(), head + std::string(4000, ' '));
  EXPECT_EQ(status_of_answer(second), 503) << second.substr(0, 300);
  EXPECT_NE(second.find("too many request bodies"), std::string::npos);
  first.send("xt\":\"hi\",\"max_new_tokens\":2}" + std::string(4000 - 32, ' '));
  const std::string answer = first.read(10s);
  EXPECT_EQ(status_of_answer(answer), 200) << answer.substr(0, 300);  // the budget is shared, not lost
  const std::string third = exchange(server.port(), head + R"({"text":"hi","max_new_tokens":2})" + std::string(4000 - 32, ' '));
  EXPECT_EQ(status_of_answer(third), 200) << third.substr(0, 300);  // and given back
}

TEST(ServerHttp, APostWithoutBodyIsAnsweredAtOnce) {
  TestServer server(small_limits());
  const auto start = Clock::now();
  const std::string answer = exchange(server.port(), "POST /v1/tts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of_answer(answer), 415) << answer.substr(0, 300);  // no Content-Type: nothing to parse
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(ServerHttp, KeepAliveServesSeveralRequestsAndStopClosesIdleConnections) {
  auto server = std::make_unique<TestServer>(small_limits());
  RawConnection c(server->port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const std::string answer = c.read(2s, "\"ok\"");
    EXPECT_EQ(status_of_answer(answer), 200) << i << ": " << answer.substr(0, 200);
  }
  RawConnection idle(server->port());
  idle.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  idle.read(2s, "\"ok\"");
  const auto start = Clock::now();
  server.reset();  // stop with two idle keep-alive connections open
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(ServerHttp, MalformedRequestLinesAre400) {
  TestServer server(small_limits());
  for (const std::string& bad : {std::string("NOT HTTP\r\n\r\n"), std::string("GET /%zz HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                                 std::string("GET http://evil/ HTTP/1.1\r\nHost: localhost\r\n\r\n")}) {
    const std::string answer = exchange(server.port(), bad);
    EXPECT_EQ(status_of_answer(answer), 400) << bad << " -> " << answer.substr(0, 200);
  }
  EXPECT_TRUE(health_answers_within(server, 1s));
}

TEST(ServerHttp, LoopbackHostsAreRecognised) {
  using fishtts::server::is_loopback_host;
  for (const char* yes : {"localhost", "LOCALHOST:8080", "app.localhost", "127.0.0.1", "127.1.2.3:80", "[::1]:9", "::1"}) {
    EXPECT_TRUE(is_loopback_host(yes)) << yes;
  }
  for (const char* no : {"evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.1", "[::2]", ""}) {
    EXPECT_FALSE(is_loopback_host(no)) << no;
  }
}

// Without a key, a web page on another origin (or a rebound DNS name) cannot use the server.
TEST(ServerHttp, WithoutAKeyOtherOriginsAndReboundHostsAre403) {
  fishtts::server::ServerOptions o;
  o.allowed_origins = {"https://app.example"};
  TestServer server(o);
  const std::string port = std::to_string(server.port());
  const auto status = [&](const std::string& path, const std::string& headers) {
    const std::string answer =
        exchange(server.port(), "GET " + path + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n");
    return std::make_pair(status_of_answer(answer), answer);
  };
  const std::string list = "/v1/references/list?format=json";
  EXPECT_EQ(status(list, "Host: 127.0.0.1:" + port + "\r\n").first, 200);
  EXPECT_EQ(status(list, "Host: localhost:" + port + "\r\nOrigin: http://localhost:" + port + "\r\n").first, 200);
  EXPECT_EQ(status(list, "Host: [::1]:" + port + "\r\n").first, 200);
  const auto evil = status(list, "Host: 127.0.0.1:" + port + "\r\nOrigin: https://evil.example\r\n");
  EXPECT_EQ(evil.first, 403);
  EXPECT_NE(evil.second.find("--allowed-origin"), std::string::npos) << evil.second;
  const auto rebound = status(list, "Host: evil.example:" + port + "\r\n");
  EXPECT_EQ(rebound.first, 403);
  EXPECT_NE(rebound.second.find("loopback"), std::string::npos) << rebound.second;
  EXPECT_EQ(status(list, "Host: app.example\r\nOrigin: https://app.example\r\n").first, 200);  // --allowed-origin
  EXPECT_EQ(status("/v1/health", "Host: evil.example\r\n").first, 200);  // health checks stay open

  fishtts::server::ServerOptions keyed;
  keyed.api_key = "k";
  TestServer with_key(keyed);
  const std::string answer = exchange(with_key.port(), "GET " + list + " HTTP/1.1\r\nHost: evil.example\r\n"
                                                       "Origin: https://evil.example\r\nAuthorization: Bearer k\r\n"
                                                       "Connection: close\r\n\r\n");
  EXPECT_EQ(status_of_answer(answer), 200) << answer.substr(0, 200);  // with a key, the key decides
}

}  // namespace
