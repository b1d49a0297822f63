// The real `fishtts serve` binary: starts on a free loopback port (--listen 127.0.0.1:0), reports it, serves
// with --api-key, and exits 0 on SIGTERM.
#include <gtest/gtest.h>

#include <fstream>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/test_server.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using fishtts::test::ScratchDir;

struct ServeProcess {
  pid_t pid = -1;
  std::filesystem::path log;

  ServeProcess(const ScratchDir& dir, std::vector<std::string> args) : log(dir.path / "serve.log") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    args.insert(args.begin(), {FISHTTS_CLI, "serve"});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid, FISHTTS_CLI, &actions, nullptr, argv.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServeProcess() {
    if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  // The port from "listening on http://127.0.0.1:PORT", or 0 if it does not appear in time.
  int wait_for_port(std::chrono::seconds limit) const {
    const std::regex line("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      std::smatch m;
      const std::string text = fishtts::test::read_text_file(log);
      if (std::regex_search(text, m, line)) return std::stoi(m[1]);
      if (::waitpid(pid, nullptr, WNOHANG) != 0) return 0;  // exited early
      std::this_thread::sleep_for(20ms);
    }
    return 0;
  }

  // Exit code after `signal`, or -1 if it does not exit in time.
  int stop(int signal, std::chrono::seconds limit) {
    ::kill(pid, signal);
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
};

TEST(ServerCli, ServesOnAFreePortWithAnApiKeyAndStopsOnSigterm) {
  ScratchDir dir("serve-cli");
  { std::ofstream(dir.path / "key") << "k\n"; }  // from a file, so it is not in /proc/PID/cmdline
  ServeProcess serve(dir, {"--model", FISHTTS_FIXTURE_DIR, "--cache-dir", (dir.path / "cache").string(), "--precision",
                           "fp32", "--threads", "1", "--listen", "127.0.0.1:0", "--api-key-file", (dir.path / "key").string(),
                           "--references-dir", (dir.path / "refs").string(), "--max-queue", "2"});
  ASSERT_GT(serve.pid, 0);
  const int port = serve.wait_for_port(120s);
  ASSERT_GT(port, 0) << fishtts::test::read_text_file(serve.log);

  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60);
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const std::string body = nlohmann::json{{"text", "Hello."}, {"max_new_tokens", 4}}.dump();
  EXPECT_EQ(c.Post("/v1/tts", body, "application/json")->status, 401);
  auto tts = c.Post("/v1/tts", {{"Authorization", "Bearer k"}}, body, "application/json");
  ASSERT_TRUE(tts);
  EXPECT_EQ(tts->status, 200);
  EXPECT_EQ(tts->body.substr(0, 4), "RIFF");

  EXPECT_EQ(serve.stop(SIGTERM, 20s), 0) << fishtts::test::read_text_file(serve.log);
}

TEST(ServerCli, TheApiKeyCanComeFromTheEnvironment) {
  ScratchDir dir("serve-cli-env");
  setenv("FISHTTS_API_KEY", "from-env", 1);  // the child inherits environ
  ServeProcess serve(dir, {"--model", FISHTTS_FIXTURE_DIR, "--cache-dir", (dir.path / "cache").string(), "--precision",
                           "fp32", "--threads", "1", "--listen", "127.0.0.1:0",
                           "--references-dir", (dir.path / "refs").string()});
  unsetenv("FISHTTS_API_KEY");
  ASSERT_GT(serve.pid, 0);
  const int port = serve.wait_for_port(120s);
  ASSERT_GT(port, 0) << fishtts::test::read_text_file(serve.log);
  httplib::Client c("127.0.0.1", port);
  EXPECT_EQ(c.Get("/metrics")->status, 401);
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer from-env"}})->status, 200);
  EXPECT_EQ(serve.stop(SIGTERM, 20s), 0) << fishtts::test::read_text_file(serve.log);
}

TEST(ServerCli, AMissingApiKeyFileIsAnError) {
  auto r = fishtts::test::run_cli("serve --api-key-file /nonexistent/key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--api-key-file"), std::string::npos) << r.err;
}

TEST(ServerCli, BadListenAddressIsAnError) {
  auto r = fishtts::test::run_cli("serve --listen nowhere");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos) << r.err;
}

}  // namespace
