#include "checkpoint/json_fields.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "common/error.h"

namespace fishtts::checkpoint {

JsonFields::JsonFields(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) throw Error(ErrorCode::kBadFormat, where_ + ": expected a JSON object, got " + std::string(object_.type_name()));
}

const nlohmann::json* JsonFields::lookup(const std::string& name) {
  read_.push_back(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonFields::wrong_type(const std::string& name, const char* expected, const nlohmann::json& value) const {
  // Only a scalar is shown: dumping a nested value recurses once per level, and a hostile file nests deep.
  std::string shown;
  if (value.is_primitive()) {
    shown = " " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
  }
  throw Error(ErrorCode::kBadFormat, where_ + ": field " + name + " must be " + expected + ", got " + value.type_name() + shown);
}

std::optional<int64_t> JsonFields::integer(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  // 1e6 written as a float is still an integer value (Hydra/yaml exports sometimes do that).
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  wrong_type(name, "an integer", *v);
}

std::optional<double> JsonFields::number(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) wrong_type(name, "a number", *v);
  return v->get<double>();
}

std::optional<bool> JsonFields::boolean(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) wrong_type(name, "true or false", *v);
  return v->get<bool>();
}

std::optional<std::string> JsonFields::string(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) wrong_type(name, "a string", *v);
  return v->get<std::string>();
}

std::optional<std::vector<int64_t>> JsonFields::integers(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) wrong_type(name, "an array of integers", *v);
  std::vector<int64_t> out;
  for (const auto& item : *v) {
    if (!item.is_number_integer()) wrong_type(name, "an array of integers", *v);
    out.push_back(item.get<int64_t>());
  }
  return out;
}

const nlohmann::json* JsonFields::object(const std::string& name) {
  const nlohmann::json* v = lookup(name);
  if (v != nullptr && !v->is_object()) wrong_type(name, "an object", *v);
  return v;
}

std::vector<std::string> JsonFields::unread() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : object_.items()) {
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) out.push_back(key);
  }
  return out;
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot open " + path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadFormat, path + ": not valid JSON: " + e.what());
  }
}

}  // namespace fishtts::checkpoint
