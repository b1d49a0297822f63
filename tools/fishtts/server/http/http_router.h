// Exact-path routing: (method, path) to a handler. An unknown path is a 404, a known path with another method a
// 405 with Allow; HEAD runs the GET route (the listener sends no body).
#pragma once

#include <map>
#include <string>

#include "http/http_message.h"

namespace fishtts::server {

class HttpRouter {
 public:
  void get(const std::string& path, HttpHandler handler) { add("GET", path, std::move(handler)); }
  void post(const std::string& path, HttpHandler handler) { add("POST", path, std::move(handler)); }
  void del(const std::string& path, HttpHandler handler) { add("DELETE", path, std::move(handler)); }
  void add(const std::string& method, const std::string& path, HttpHandler handler);

  enum class Match { kFound, kNoPath, kWrongMethod };
  // The handler for the request, or why there is none (then `allowed` lists the path's methods, e.g. "GET, HEAD").
  Match find(const HttpRequest& req, const HttpHandler*& handler, std::string& allowed) const;

 private:
  std::map<std::string, std::map<std::string, HttpHandler>> routes_;  // path -> method -> handler
};

}  // namespace fishtts::server
