// Request bodies of every POST route as one JSON value, whatever the encoding (spec 7): application/json,
// application/msgpack (raw bytes stay binary), or multipart/form-data (split by Poco's MultipartReader; a part
// with a file name becomes binary, any other part a string, a repeated name an array). Anything else is 415.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "form_data.h"

namespace fishtts::server {

enum class BodyEncoding { kJson, kMsgpack, kForm };

struct RequestBody {
  BodyEncoding encoding = BodyEncoding::kJson;
  nlohmann::json value;  // an object for every valid body
};

// What the 415 answer's Accept header lists.
inline constexpr const char* kAcceptedBodyTypes = "application/json, application/msgpack, multipart/form-data";

// Deepest nesting of arrays/objects accepted in a JSON or msgpack body (real requests need 3).
inline constexpr int kMaxBodyDepth = 64;
// Most values (numbers, strings, arrays, objects) in one body: the largest real one, /v1/vqgan/decode's 12,920
// frames x 10 codebooks, has ~130,000; a parsed value costs up to ~64 bytes, so a body's tree stays under 64 MiB.
inline constexpr std::size_t kMaxBodyValues = 1'000'000;

// The media type of a Content-Type header value: lower-cased, parameters and spaces dropped.
std::string media_type(std::string_view content_type);

// Throws HttpError: 415 for another media type, 400 for a body that does not parse, nests
// deeper than kMaxBodyDepth, holds more than kMaxBodyValues values, or is not an object.
RequestBody parse_request_body(std::string_view content_type, std::string_view body);

}  // namespace fishtts::server
