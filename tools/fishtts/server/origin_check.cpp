#include "origin_check.h"

#include <arpa/inet.h>

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace fishtts::server {
namespace {

std::string lower(std::string_view s) { return Poco::toLower(std::string(s)); }

// The host part of "host", "host:port", "[v6]", "[v6]:port" or a bare "v6".
std::string host_of(std::string_view host_and_port) {
  if (!host_and_port.empty() && host_and_port.front() == '[') {
    const std::size_t close = host_and_port.find(']');
    return close == std::string_view::npos ? std::string() : lower(host_and_port.substr(1, close - 1));
  }
  if (std::count(host_and_port.begin(), host_and_port.end(), ':') > 1) return lower(host_and_port);  // bare IPv6
  return lower(host_and_port.substr(0, host_and_port.find(':')));
}

bool loopback_name(const std::string& host) {
  if (host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"))) return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// "http://example.com:8080" -> "example.com"; "" when it is not a URI with a host.
std::string origin_host(const std::string& origin) {
  try {
    return lower(Poco::URI(origin).getHost());
  } catch (const Poco::Exception&) {
    return "";
  }
}

bool same_origin(const std::string& a, const std::string& b) {
  std::string x = lower(a), y = lower(b);
  while (!x.empty() && x.back() == '/') x.pop_back();
  while (!y.empty() && y.back() == '/') y.pop_back();
  return x == y;
}

}  // namespace

bool is_loopback_host(std::string_view host_and_port) { return loopback_name(host_of(host_and_port)); }

std::optional<std::string> cross_origin_refusal(const HttpRequest& req, const std::string& listen_host,
                                                const std::vector<std::string>& allowed_origins) {
  const auto allowed = [&](const std::string& origin) {
    return std::any_of(allowed_origins.begin(), allowed_origins.end(),
                       [&](const std::string& a) { return a == "*" || same_origin(a, origin); });
  };
  const std::string origin = req.header("Origin");
  if (!origin.empty() && !allowed(origin) && !loopback_name(origin_host(origin))) {
    return "cross-origin request from '" + origin.substr(0, 100) +
           "' refused: the server has no API key (start it with --api-key, or --allowed-origin " +
           origin.substr(0, 100) + ")";
  }
  if (loopback_name(host_of(listen_host))) {
    const std::string host = host_of(req.header("Host"));
    const bool host_allowed = loopback_name(host) ||
                              std::any_of(allowed_origins.begin(), allowed_origins.end(),
                                          [&](const std::string& a) { return origin_host(a) == host; });
    if (!host_allowed) {
      return "Host '" + req.header("Host").substr(0, 100) +
             "' refused: this server listens on a loopback address and has no API key, so it answers only to "
             "loopback names (start it with --api-key, or --allowed-origin http://" +
             req.header("Host").substr(0, 100) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace fishtts::server
