// Typed reads of JSON config fields: a wrong type is an error naming the file and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fishtts::checkpoint {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string where);

  // Absent or null -> nullopt. Present with the wrong type -> Error(kBadFormat) "<where>: field <name> ...".
  std::optional<int64_t> integer(const std::string& name);
  std::optional<double> number(const std::string& name);
  std::optional<bool> boolean(const std::string& name);
  std::optional<std::string> string(const std::string& name);
  std::optional<std::vector<int64_t>> integers(const std::string& name);
  // A nested object, or nullptr when absent.
  const nlohmann::json* object(const std::string& name);

  // Fields present in the object that no accessor asked for.
  std::vector<std::string> unread() const;
  const std::string& where() const { return where_; }

 private:
  const nlohmann::json* lookup(const std::string& name);
  [[noreturn]] void wrong_type(const std::string& name, const char* expected, const nlohmann::json& value) const;

  const nlohmann::json& object_;
  std::string where_;
  std::vector<std::string> read_;
};

// Parses a JSON file; throws kNotFound / kBadFormat naming the path.
nlohmann::json read_json_file(const std::string& path);

}  // namespace fishtts::checkpoint
