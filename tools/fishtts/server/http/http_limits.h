// What one connection may cost: enforced by the listener before any route runs (docs/server.md lists them).
#pragma once

#include <chrono>
#include <cstddef>

namespace fishtts::server {

struct HttpLimits {
  std::size_t max_body_bytes = 64u << 20;    // after de-chunking; Content-Encoding other than identity is a 415
  std::size_t max_header_bytes = 16u << 10;  // request line and all header fields together: more is a 431
  std::size_t max_header_fields = 100;       // more is a 431
  std::size_t max_connections = 32;          // open at once; one more gets a 503 and is closed
  // Request bodies of all connections together while they arrive and are handled: one more byte is a 503, so
  // 32 connections cannot hold 32 x max_body_bytes.
  std::size_t max_body_bytes_in_flight = 256u << 20;
  // From the connection's start (or the previous answer) to the end of the request head: a deadline, not an idle
  // timer, so a client trickling bytes cannot hold a connection.
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds body_idle_timeout{30'000};  // longest pause while the body arrives: a 408
  std::chrono::milliseconds body_timeout{300'000};      // the whole body: a 408
  std::chrono::milliseconds write_timeout{60'000};      // each write of the answer (a client that stops reading)
};

}  // namespace fishtts::server
