#include "http/http_message.h"

#include <strings.h>

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace fishtts::server {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  const int c = ::strncasecmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

std::string HttpRequest::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::param(const std::string& name) const {
  const auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

void HttpResponse::set_header(const std::string& name, std::string value) {
  headers.erase(name);
  headers.emplace(name, std::move(value));
}

std::string HttpResponse::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

void HttpResponse::set_content(std::string content, const std::string& content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}

void HttpResponse::set_stream(const std::string& content_type, std::function<Produced(std::string& out)> produce,
                              std::function<void(bool completed)> on_end) {
  set_header("Content-Type", content_type);
  producer = std::move(produce);
  on_stream_end = std::move(on_end);
}

bool parse_target(const std::string& target, std::string& path, std::multimap<std::string, std::string>& params) {
  if (target.empty() || target[0] != '/') return false;  // origin-form only (no proxies' absolute URIs)
  try {
    const Poco::URI uri(target);
    path = uri.getPath();
    if (path.find('\0') != std::string::npos) return false;
    params.clear();
    for (auto& [name, value] : uri.getQueryParameters()) params.emplace(std::move(name), std::move(value));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace fishtts::server
