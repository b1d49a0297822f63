#include "http/http_router.h"

namespace fishtts::server {

void HttpRouter::add(const std::string& method, const std::string& path, HttpHandler handler) {
  routes_[path][method] = std::move(handler);
}

HttpRouter::Match HttpRouter::find(const HttpRequest& req, const HttpHandler*& handler, std::string& allowed) const {
  handler = nullptr;
  const auto path = routes_.find(req.path);
  if (path == routes_.end()) return Match::kNoPath;
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  const auto route = path->second.find(method);
  if (route != path->second.end()) {
    handler = &route->second;
    return Match::kFound;
  }
  allowed.clear();
  for (const auto& [name, unused] : path->second) {
    allowed += (allowed.empty() ? "" : ", ") + name;
    if (name == "GET") allowed += ", HEAD";
  }
  return Match::kWrongMethod;
}

}  // namespace fishtts::server
