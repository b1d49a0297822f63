// Without an API key, the server must not be usable by other web sites the user visits: a page on any origin
// can POST a form to 127.0.0.1, and DNS rebinding lets it read the answers. So without a key:
// - a request with an Origin header must come from a loopback origin or one given with --allowed-origin;
// - when the server listens on a loopback address, the Host header must be a loopback name (or the host of an
//   allowed origin): a rebound name like evil.example pointing at 127.0.0.1 is refused.
// Clients that send no Origin (curl, SDKs, scripts) are not affected; with an API key the key decides.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace fishtts::server {

// "localhost", "*.localhost", 127.0.0.0/8, ::1 (with or without a port, IPv6 in brackets).
bool is_loopback_host(std::string_view host_and_port);

// Why the request is refused (a 403 message naming the way out), or nothing.
std::optional<std::string> cross_origin_refusal(const HttpRequest& req, const std::string& listen_host,
                                                const std::vector<std::string>& allowed_origins);

}  // namespace fishtts::server
