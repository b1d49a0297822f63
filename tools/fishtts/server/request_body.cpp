#include "request_body.h"

#include <cctype>

#include "http_error.h"

namespace fishtts::server {
namespace {

// Counts nesting and values while nlohmann reads msgpack, stopping at a limit before the tree is built (a body
// nested a million levels deep crashed the server when the tree was converted or destroyed, and a tree of tiny
// values costs up to 65 times the body's size).
class ShapeCheck : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool too_deep = false;
  bool too_many = false;
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  int depth_ = 0;
  std::size_t values_ = 0;
  bool value() {
    if (++values_ > kMaxBodyValues) too_many = true;
    return !too_many;
  }
  bool enter() {
    if (++depth_ > kMaxBodyDepth) too_deep = true;
    return !too_deep && value();
  }
  bool leave() {
    --depth_;
    return true;
  }
};

[[noreturn]] void throw_too_deep() {
  throw HttpError(400, "the body nests arrays/objects more than " + std::to_string(kMaxBodyDepth) + " levels deep");
}

[[noreturn]] void throw_too_many() {
  throw HttpError(400, "the body holds more than " + std::to_string(kMaxBodyValues) + " values");
}

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

RequestBody parse_request_body(std::string_view content_type, std::string_view body) {
  const std::string type = media_type(content_type);
  RequestBody out;
  // The third argument (allow_exceptions = false) turns parse errors into a discarded value, no throw.
  if (type == "application/json") {
    out.encoding = BodyEncoding::kJson;
    // nlohmann's parser callback gives each value's depth; throwing stops the parse at the limit.
    std::size_t values = 0;
    const nlohmann::json::parser_callback_t limit = [&values](int depth, nlohmann::json::parse_event_t event,
                                                              nlohmann::json&) {
      if (depth > kMaxBodyDepth) throw_too_deep();
      if (event != nlohmann::json::parse_event_t::key && event != nlohmann::json::parse_event_t::object_end &&
          event != nlohmann::json::parse_event_t::array_end && ++values > kMaxBodyValues) {
        throw_too_many();
      }
      return true;
    };
    out.value = nlohmann::json::parse(body.begin(), body.end(), limit, false);
    if (out.value.is_discarded()) throw HttpError(400, "the body is not valid JSON");
  } else if (type == "application/msgpack" || type == "application/x-msgpack") {
    out.encoding = BodyEncoding::kMsgpack;
    ShapeCheck check;
    nlohmann::json::sax_parse(body.begin(), body.end(), &check, nlohmann::json::input_format_t::msgpack, true);
    if (check.too_deep) throw_too_deep();
    if (check.too_many) throw_too_many();
    out.value = nlohmann::json::from_msgpack(body.begin(), body.end(), true, false);
    if (out.value.is_discarded()) throw HttpError(400, "the body is not valid msgpack");
  } else if (type == "multipart/form-data") {
    out.encoding = BodyEncoding::kForm;
    out.value = parse_form(parse_form_data(content_type, body));
  } else {
    throw HttpError(415, "unsupported Content-Type '" + std::string(content_type.substr(0, 100)) +
                             "': send " + kAcceptedBodyTypes);
  }
  if (!out.value.is_object()) throw HttpError(400, "the body must be an object (a map of named fields)");
  return out;
}

}  // namespace fishtts::server
