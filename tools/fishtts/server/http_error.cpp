#include "http_error.h"

namespace fishtts::server {

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kBadFormat: return 400;
    case ErrorCode::kOutOfRange: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kCancelled: return 499;  // nginx's "client closed request": only ever logged
    case ErrorCode::kIo: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

const char* status_reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

nlohmann::json error_envelope(int status, const std::string& message) {
  return {{"statusCode", status}, {"message", message}, {"error", status_reason(status)}};
}

nlohmann::json openai_error_envelope(int status, const std::string& message) {
  // Field errors start "field 'name': ...": OpenAI names that field in `param`.
  nlohmann::json param = nullptr;
  if (message.rfind("field '", 0) == 0) {
    if (const std::size_t end = message.find('\'', 7); end != std::string::npos) param = message.substr(7, end - 7);
  }
  return {{"error",
           {{"message", message},
            {"type", status >= 500 ? "server_error" : "invalid_request_error"},
            {"param", param},
            {"code", status == 401 ? nlohmann::json("invalid_api_key") : nlohmann::json(nullptr)}}}};
}

bool is_openai_path(const std::string& path) {
  return path.rfind("/v1/audio/", 0) == 0 || path == "/v1/models";
}

}  // namespace fishtts::server
