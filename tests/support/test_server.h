// In-process `fishtts serve` for tests: the tiny fixture model (converted once per process into a temporary
// cache), a server on a free 127.0.0.1 port with its own reference folder, and clients with timeouts.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "pipeline/engine.h"
#include "server.h"

namespace fishtts::test {

struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("fishtts-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::shared_ptr<const pipeline::Engine> tiny_engine() {
  static ScratchDir cache("server-test-cache");
  static std::shared_ptr<const pipeline::Engine> engine = [] {
    pipeline::EngineParams p;
    p.model_path = FISHTTS_FIXTURE_DIR;
    p.cache_dir = cache.path.string();
    p.overrides.threads = 1;
    p.overrides.precision = hw::Precision::kFp32;
    return pipeline::Engine::create(p);
  }();
  return engine;
}

class TestServer {
 public:
  explicit TestServer(server::ServerOptions options = {}) : references_("server-test-refs") {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.references_dir.empty()) options.references_dir = references_.path;
    server_ = std::make_unique<server::Server>(tiny_engine(), options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~TestServer() {
    server_->stop();
    thread_.join();
  }

  int port() const { return port_; }
  const std::filesystem::path& references_dir() const { return references_.path; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(60);
    c.set_write_timeout(10);
    return c;
  }

 private:
  ScratchDir references_;
  std::unique_ptr<server::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

// One default server per test binary, stopped when the tests end (before static destruction, so no handler
// thread outlives what it uses).
inline TestServer& shared_test_server() {
  static std::unique_ptr<TestServer> server;
  if (!server) {
    struct StopAtEnd : ::testing::Environment {
      std::unique_ptr<TestServer>* server;
      explicit StopAtEnd(std::unique_ptr<TestServer>* s) : server(s) {}
      void TearDown() override { server->reset(); }
    };
    ::testing::AddGlobalTestEnvironment(new StopAtEnd(&server));
    server = std::make_unique<TestServer>();
  }
  return *server;
}

}  // namespace fishtts::test
