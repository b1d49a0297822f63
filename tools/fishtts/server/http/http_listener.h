// The HTTP/1.1 listener of `fishtts serve` on Boost.Beast: one thread per connection (at most
// HttpLimits::max_connections), every read and write under a deadline, the head and body bounded by the parser
// before any route runs. Requests go to one handler; the listener's own refusals (400, 408, 413, 415, 431, 503)
// get their body from `error_body`, so they look like the server's other errors.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "http/http_limits.h"
#include "http/http_message.h"

namespace fishtts::server {

class HttpListener {
 public:
  // `req` is null when no request head could be read.
  using ErrorBody = std::function<void(int status, const std::string& message, const HttpRequest* req, HttpResponse&)>;

  HttpListener(HttpLimits limits, HttpHandler handler, ErrorBody error_body);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and listens; returns the port (port 0 = any free one). Throws fishtts::Error(kIo) when it cannot.
  int bind(const std::string& host, int port);
  // Accepts until stop(); returns when every connection has ended.
  void run();
  // Stops accepting and closes idle connections; a request being answered finishes. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fishtts::server
