// Errors at the HTTP edge: the status a failure answers with and the JSON envelope every error body uses,
// {"statusCode": 422, "message": "temperature: 1.5 is above the maximum 1.0", "error": "Unprocessable Entity"}
// (upstream's shape, spec 7; we use it for 422 validation failures too instead of pydantic's error list).
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace fishtts::server {

// Thrown by request parsing and handlers; the adapter turns it into a response.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// The status a library error answers with: caller mistakes are 4xx, the engine's own failures 5xx.
int http_status_for(ErrorCode code);
// "Bad Request", "Unprocessable Entity", ...
const char* status_reason(int status);
nlohmann::json error_envelope(int status, const std::string& message);
// OpenAI's shape, {"error": {"message", "type", "param", "code"}}, which its SDKs show; for the OpenAI routes.
nlohmann::json openai_error_envelope(int status, const std::string& message);
// The OpenAI routes (/v1/audio/*, /v1/models) answer errors in OpenAI's shape, the Fish routes in upstream's.
bool is_openai_path(const std::string& path);

}  // namespace fishtts::server
