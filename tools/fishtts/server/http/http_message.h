// A request as the routes see it and the answer they fill in: the server's own types, so no route depends on the
// HTTP library underneath (http_listener.cpp is the only file that knows it is Boost.Beast).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fishtts::server {

// Header names compare case-insensitively (RFC 9110 5.1).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using HttpHeaders = std::multimap<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded, without the query
  std::multimap<std::string, std::string> params;  // the query string, decoded
  HttpHeaders headers;
  std::string body;  // the whole body (bounded by the listener's limit; chunked bodies are already joined)
  std::string remote_address;
  // True once the client has closed its side (a non-streaming answer can stop work nobody will read).
  std::function<bool()> client_gone = [] { return false; };

  // The first value, or "" when absent.
  std::string header(std::string_view name) const;
  std::string param(const std::string& name) const;
  bool has_param(const std::string& name) const { return params.count(name) > 0; }
};

// What a streaming body's producer says after each call.
enum class Produced {
  kMore,    // call again
  kDone,    // the body is complete
  kFailed,  // stop and cut the connection: the client sees a truncated body, not a clean end
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  // Streaming (chunked transfer): called until it returns kDone or kFailed, each call appending the next bytes
  // to `out`; the headers are sent before the first call. Empty = send `body`.
  std::function<Produced(std::string& out)> producer;
  // Called once after a streamed body ends: true when it completed, false when the client went away or it failed.
  std::function<void(bool completed)> on_stream_end;

  // Replaces any earlier value of the header.
  void set_header(const std::string& name, std::string value);
  std::string header(std::string_view name) const;
  void set_content(std::string content, const std::string& content_type);
  void set_stream(const std::string& content_type, std::function<Produced(std::string& out)> produce,
                  std::function<void(bool completed)> on_end);
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Splits a request target ("/v1/x?a=1&b=x%20y") into its decoded path and query parameters (Poco::URI).
// False for a target that is not a path with an optional query.
bool parse_target(const std::string& target, std::string& path, std::multimap<std::string, std::string>& params);

}  // namespace fishtts::server
