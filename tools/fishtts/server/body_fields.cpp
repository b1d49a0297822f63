#include "body_fields.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <Poco/String.h>

#include "http_error.h"

namespace fishtts::server {
namespace {

[[noreturn]] void invalid(const std::string& name, const std::string& problem) {
  throw HttpError(422, "field '" + name + "': " + problem);
}

std::optional<double> parse_number_text(const std::string& text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

// Only a scalar is shown: dumping a nested client value recurses once per level (a deep one crashed the server).
std::string json_excerpt(const nlohmann::json& v) {
  if (!v.is_primitive()) return "";
  return " " + v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(0, 40);  // never throws on bad UTF-8
}

namespace {

std::string format_number(double v) {
  nlohmann::json j = v;
  return j.dump();
}

}  // namespace

std::string json_type_phrase(const nlohmann::json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  if (value.is_binary()) return "binary data";
  return "null";
}

const nlohmann::json* BodyFields::find(const std::string& name) const {
  auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool BodyFields::has(const std::string& name) const { return find(name) != nullptr; }

std::string BodyFields::required_string(const std::string& name) const {
  std::optional<std::string> s = optional_string(name);
  if (!s) invalid(name, "required");
  return *s;
}

std::optional<std::string> BodyFields::optional_string(const std::string& name) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) invalid(name, "expected a string, got " + json_type_phrase(*v));
  return v->get<std::string>();
}

bool BodyFields::boolean(const std::string& name, bool fallback) const {
  const nlohmann::json* v = find(name);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number_integer() || v->is_number_unsigned()) {
    const auto i = v->get<int64_t>();
    if (i == 0 || i == 1) return i == 1;
  }
  if (v->is_string()) {
    const std::string s = Poco::toLower(v->get<std::string>());
    if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
    if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  }
  invalid(name, "expected a boolean, got " + json_type_phrase(*v) + json_excerpt(*v));
}

std::optional<int64_t> BodyFields::lax_integer(const std::string& name) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) {
    const auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) invalid(name, "integer too large");
    return static_cast<int64_t>(u);
  }
  std::optional<double> d;
  if (v->is_number_float()) d = v->get<double>();
  if (v->is_string()) d = parse_number_text(v->get<std::string>());
  if (d && std::trunc(*d) == *d && std::fabs(*d) < 9.0e18) return static_cast<int64_t>(*d);
  invalid(name, "expected an integer, got " + json_type_phrase(*v) + json_excerpt(*v));
}

double BodyFields::strict_number(const std::string& name, double fallback, double min, double max) const {
  const nlohmann::json* v = find(name);
  if (!v) return fallback;
  std::optional<double> d;
  if (v->is_number()) d = v->get<double>();
  if (form_ && v->is_string()) d = parse_number_text(v->get<std::string>());  // form fields are always text
  if (!d) invalid(name, "expected a number, got " + json_type_phrase(*v));
  if (!(*d >= min && *d <= max)) {
    invalid(name, format_number(*d) + " is outside the allowed range [" + format_number(min) + ", " +
                      format_number(max) + "]");
  }
  return *d;
}

std::vector<std::uint8_t> bytes_of(const nlohmann::json& value, const std::string& what) {
  if (value.is_binary()) return value.get_binary();
  if (!value.is_string()) throw HttpError(422, what + ": expected bytes (base64 text in JSON), got " + json_type_phrase(value));
  std::string text = value.get<std::string>();
  std::erase_if(text, [](char c) { return c == '\n' || c == '\r' || c == ' '; });
  if (text.size() % 4 != 0) throw HttpError(422, what + ": not base64 (length " + std::to_string(text.size()) + " is not a multiple of 4)");
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw HttpError(422, what + ": not valid base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

}  // namespace fishtts::server
