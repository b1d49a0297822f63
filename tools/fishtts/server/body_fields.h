// Typed reads of request-body fields with pydantic-like rules (spec 3.7) and 422 errors naming the field:
//   strict numbers: JSON/msgpack integers or floats; strings and booleans rejected (form bodies: numeric text)
//   lax integers:   integers, integral floats and integer text ("150", 150.0)
//   booleans:       true/false, 0/1, and the words true/false/yes/no/on/off/1/0
// A null or absent field takes its default. Unknown fields are ignored, as upstream does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "request_body.h"

namespace fishtts::server {

class BodyFields {
 public:
  explicit BodyFields(const RequestBody& body) : value_(body.value), form_(body.encoding == BodyEncoding::kForm) {}

  bool has(const std::string& name) const;
  const nlohmann::json* find(const std::string& name) const;  // nullptr when absent or null

  std::string required_string(const std::string& name) const;
  std::optional<std::string> optional_string(const std::string& name) const;
  bool boolean(const std::string& name, bool fallback) const;
  std::optional<int64_t> lax_integer(const std::string& name) const;
  // In [min, max] inclusive.
  double strict_number(const std::string& name, double fallback, double min, double max) const;

  bool form() const { return form_; }

 private:
  const nlohmann::json& value_;
  bool form_;
};

// Binary (msgpack bin, multipart file) as is; a string as base64 (JSON bodies). `what` names the field.
std::vector<std::uint8_t> bytes_of(const nlohmann::json& value, const std::string& what);
// The JSON type name for error messages ("a string", "a boolean", ...).
std::string json_type_phrase(const nlohmann::json& value);
// A short text form of a scalar value for an error message (with a leading space), "" for arrays and objects.
std::string json_excerpt(const nlohmann::json& value);

}  // namespace fishtts::server
