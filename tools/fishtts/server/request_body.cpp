#include "request_body.h"

#include <cctype>

#include "http_error.h"

namespace fishtts::server {
namespace {

nlohmann::json form_value(const FormPart& part) {
  if (!part.filename.empty()) {
    return nlohmann::json::binary(std::vector<std::uint8_t>(part.content.begin(), part.content.end()));
  }
  return part.content;
}

nlohmann::json parse_form(const std::vector<FormPart>& parts) {
  nlohmann::json object = nlohmann::json::object();
  for (const FormPart& part : parts) {
    auto it = object.find(part.name);
    if (it == object.end()) {
      object[part.name] = form_value(part);
    } else {
      if (!it->is_array()) *it = nlohmann::json::array({std::move(*it)});
      it->push_back(form_value(part));
    }
  }
  return object;
}

}  // namespace

std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

RequestBody parse_request_body(std::string_view content_type, std::string_view body,
                               const std::vector<FormPart>& parts) {
  const std::string type = media_type(content_type);
  RequestBody out;
  // The third argument (allow_exceptions = false) turns parse errors into a discarded value, no throw.
  if (type == "application/json") {
    out.encoding = BodyEncoding::kJson;
    out.value = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    if (out.value.is_discarded()) throw HttpError(400, "the body is not valid JSON");
  } else if (type == "application/msgpack" || type == "application/x-msgpack") {
    out.encoding = BodyEncoding::kMsgpack;
    out.value = nlohmann::json::from_msgpack(body.begin(), body.end(), true, false);
    if (out.value.is_discarded()) throw HttpError(400, "the body is not valid msgpack");
  } else if (type == "multipart/form-data") {
    out.encoding = BodyEncoding::kForm;
    out.value = parse_form(parts);
  } else {
    throw HttpError(415, "unsupported Content-Type '" + std::string(content_type.substr(0, 100)) +
                             "': send " + kAcceptedBodyTypes);
  }
  if (!out.value.is_object()) throw HttpError(400, "the body must be an object (a map of named fields)");
  return out;
}

}  // namespace fishtts::server
